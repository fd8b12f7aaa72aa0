// Ceiling baseline: bare node:http answering every request with the same bytes from memory.
// Nothing can answer faster on this machine; prodimg's req/s is read as a share of this.
// Usage: node ceiling.mjs --port <p> --body <file> [--type <content-type>]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, body: { type: 'string' }, type: { type: 'string', default: 'application/json; charset=utf-8' } } });
const body = readFileSync(values.body);
const headers = { 'content-type': values.type, 'content-length': body.length };

createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
}).listen(Number(values.port), '127.0.0.1');
