// The image origin for ingestion scenarios: node:http serving the files of a directory by name,
// each read once and then kept in memory; the query string is ignored, so `?n=<unique>` URLs all
// return the same bytes. Usage: node origin-server.mjs --port <p> --dir <dir>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, dir: { type: 'string' } } });
const cache = new Map();

function file(name) {
  if (!/^[\w-]+\.jpg$/.test(name)) return undefined;
  if (!cache.has(name)) {
    try {
      cache.set(name, readFileSync(join(values.dir, name)));
    } catch {
      return undefined;
    }
  }
  return cache.get(name);
}

createServer((request, response) => {
  const body = file(request.url.split('?')[0].slice(1));
  if (body === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
  response.end(body);
}).listen(Number(values.port), '127.0.0.1');
