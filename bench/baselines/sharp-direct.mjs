// Resize baseline: sharp called directly on each original file, as prodimg's first /cdn request
// must: read, decode, resize to width 400, encode WebP. Prints per-file milliseconds as JSON.
// Usage: node sharp-direct.mjs <file>...
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

const files = process.argv.slice(2);
const resize = (bytes) => sharp(bytes, { limitInputPixels: 50_000_000, failOn: 'error' }).rotate().resize({ width: 400 }).webp().toBuffer();
// prodimg is measured warm; so is sharp here (library load, thread pool), on a file not timed twice.
if (files.length > 0) await resize(await readFile(files[0]));
const ms = [];
const cpuBefore = process.cpuUsage();
for (const file of files) {
  const started = process.hrtime.bigint();
  const bytes = await readFile(file);
  await resize(bytes);
  ms.push(Number(process.hrtime.bigint() - started) / 1e6);
}
const cpu = process.cpuUsage(cpuBefore);
// maxRSS is the process's peak resident set (VmHWM), in KiB.
process.stdout.write(`${JSON.stringify({ ms, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
