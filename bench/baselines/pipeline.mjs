// Ingest baseline: the bare pipeline prodimg runs for "create image from URL", with the same
// libraries and no server around it: undici fetch, sniff the magic bytes, sharp metadata plus a
// decode check like prodimg's probe, md5, then write temp file + fsync + rename.
// Driven over IPC by the bench driver: {type:'run', url, concurrency, seconds} -> {type:'result', ...}.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';

const root = process.argv[2];
if (!root || !process.send) throw new Error('usage: forked by the bench driver with <output dir>');

const SHARP_OPTIONS = { limitInputPixels: 50_000_000, failOn: 'error', sequentialRead: true };
let unique = 0;

async function ingestOnce(url) {
  const response = await request(`${url}?n=${process.pid}-${unique++}`, { headers: { accept: 'image/*' } });
  if (response.statusCode !== 200) throw new Error(`origin answered ${response.statusCode}`);
  const bytes = Buffer.from(await response.body.arrayBuffer());
  if (!(bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)) throw new Error('not a JPEG');
  const meta = await sharp(bytes, SHARP_OPTIONS).metadata();
  if (!meta.width || !meta.height || meta.format !== 'jpeg') throw new Error('corrupt');
  await sharp(bytes, SHARP_OPTIONS).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  const name = `${createHash('md5').update(bytes).digest('hex')}.jpg`;
  const dir = join(root, name.slice(0, 2));
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${randomUUID()}`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name));
}

async function run({ url, concurrency, seconds }) {
  const latencies = [];
  let failed = 0;
  let lastError;
  const started = process.hrtime.bigint();
  const end = started + BigInt(Math.round(seconds * 1e9));
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      const t0 = process.hrtime.bigint();
      try {
        await ingestOnce(url);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (error) {
        failed++;
        lastError = error.message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok: latencies.length, failed, lastError, latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

process.on('message', async (message) => {
  if (message.type === 'run') process.send({ type: 'result', ...(await run(message)) });
});
process.send({ type: 'ready' });
