// The image origin for ingestion scenarios: node:http serving the files of a directory by name,
// each read once and then kept in memory. The query string is ignored, so `?n=<unique>` URLs all
// return the same bytes; with --unique, each answer carries its query string as a JPEG comment, so
// every such URL gives different bytes (another md5: a file that must really be written).
// Usage: node origin-server.mjs --port <p> --dir <dir> [--unique]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, dir: { type: 'string' }, unique: { type: 'boolean', default: false } } });
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

/** `jpeg` with a COM segment holding `text` right after its SOI marker: still the same picture. */
function withComment(jpeg, text) {
  const comment = Buffer.from(text, 'latin1');
  const header = Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), header, comment, jpeg.subarray(2)]);
}

createServer((request, response) => {
  const [name, query = ''] = request.url.split('?');
  const stored = file(name.slice(1));
  const body = stored !== undefined && values.unique && query !== '' ? withComment(stored, query.slice(0, 1000)) : stored;
  if (body === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
  response.end(body);
}).listen(Number(values.port), '127.0.0.1');
