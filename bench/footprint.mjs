// What a store costs on disk: the database rows per image (seeded on PostgreSQL and SQLite), and the
// image files per original and per variant in each file store, made through the real API and CDN.
// Then `prodimg blobs migrate` moves those files from the database to the local disk, timed.
// Usage: node bench/footprint.mjs [--images 100000] [--files 24] [--pg-url postgres://...]
// Prints a table and writes bench/results/footprint.json. Sizes, not speeds: one run is enough.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { makeJpeg } from './lib/images.mjs';
import { callOk } from './lib/load.mjs';
import { DEFAULT_PG_URL, postgresUnavailable } from './lib/postgres.mjs';
import { API, build, cli, createShopAndToken, freshStore, lastLine, ROOT, serve } from './lib/prodimg.mjs';
import { freePort, startServer, stopAll } from './lib/proc.mjs';

const { values } = parseArgs({ options: { images: { type: 'string', default: '100000' }, files: { type: 'string', default: '24' }, 'pg-url': { type: 'string' } } });
const IMAGES = Number(values.images);
const FILES = Number(values.files);
const PG_URL = values['pg-url'] ?? process.env.BENCH_PG_URL ?? DEFAULT_PG_URL;
/** The variants asked of /cdn for every original: the sizes a storefront typically uses. */
const VARIANTS = [
  { suffix: '_100x.jpg', query: '' },
  { suffix: '_400x.jpg', query: '' },
  { suffix: '_800x.jpg', query: '' },
  { suffix: '_400x.jpg', query: '?format=webp' },
];
const TABLES = ['products', 'variants', 'images'];

const note = (line) => process.stderr.write(`footprint: ${line}\n`);
const kib = (bytes) => (bytes / 1024).toFixed(1);

async function pgQuery(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Bytes a file takes on disk (its blocks), summed under `dir`. */
function diskBytes(dir) {
  let total = 0;
  let logical = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    const stats = statSync(join(dir, entry));
    if (!stats.isFile()) continue;
    total += stats.blocks * 512;
    logical += stats.size;
    files++;
  }
  return { files, logical, onDisk: total };
}

async function rowsPerImage(dialect) {
  const store = await freshStore(dialect, { pgUrl: PG_URL });
  try {
    const size = async () => {
      if (dialect === 'sqlite') {
        // Folded into the main file first, so the WAL's preallocated pages do not count.
        const { default: Sqlite } = await import('better-sqlite3');
        const db = new Sqlite(store.sqliteFile);
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
        return { total: statSync(store.sqliteFile).size, tables: {} };
      }
      const rows = await pgQuery(store.env.DATABASE_URL, `SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS total, pg_relation_size(c.oid)::bigint AS heap
        FROM pg_class c WHERE c.relname = ANY($1)`, [TABLES]);
      const [{ total }] = await pgQuery(store.env.DATABASE_URL, 'SELECT pg_database_size(current_database())::bigint AS total');
      return { total: Number(total), tables: Object.fromEntries(rows.map((row) => [row.name, { total: Number(row.total), heap: Number(row.heap) }])) };
    };
    await cli(['shops', 'create', 'bench'], store.env);
    const before = await size();
    const seeded = JSON.parse(lastLine(await cli(['seed', '--images', String(IMAGES), '--per-product', '50'], store.env)));
    const after = await size();
    const perImage = (after.total - before.total) / seeded.images;
    const tables = Object.fromEntries(
      Object.entries(after.tables).map(([name, sizes]) => [name, { totalBytes: sizes.total, heapBytes: sizes.heap, perImage: (sizes.total - (before.tables[name]?.total ?? 0)) / seeded.images }]),
    );
    note(`${dialect}: ${seeded.images} images in ${IMAGES / 50} products: ${perImage.toFixed(0)} bytes per image, all tables and indexes`);
    return { dialect, images: seeded.images, products: Math.ceil(seeded.images / 50), databaseBytesBefore: before.total, databaseBytesAfter: after.total, bytesPerImage: perImage, tables };
  } finally {
    await store.dispose();
  }
}

async function filesPerImage() {
  const store = await freshStore('postgres', { pgUrl: PG_URL, extraEnv: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_BLOB_STORE: 'database' } });
  const originDir = mkdtempSync(join(tmpdir(), 'prodimg-footprint-origin-'));
  try {
    for (let i = 0; i < FILES; i++) writeFileSync(join(originDir, `p${i}.jpg`), await makeJpeg(1, i));
    const originPort = await freePort();
    await startServer({ name: 'origin', args: [join(ROOT, 'bench/lib/origin-server.mjs'), '--port', String(originPort), '--dir', originDir], port: originPort });
    const token = await createShopAndToken(store);
    const server = await serve(store);
    const images = Array.from({ length: FILES }, (_, i) => ({ src: `http://127.0.0.1:${originPort}/p${i}.jpg` }));
    const product = (await callOk(server.base, { method: 'POST', path: `${API}/products`, token, body: { product: { title: 'footprint', images } } })).json.product;
    const names = product.images.map((image) => image.src.split('/').pop());
    for (const name of names) for (const variant of VARIANTS) await callOk(server.base, { path: `/cdn/${name.replace('.jpg', variant.suffix)}${variant.query}` });
    // SIGTERM: the server stores the variants still being written before it exits.
    await server.stop();
    const kinds = await pgQuery(store.env.DATABASE_URL, `SELECT CASE WHEN position('_' in name) = 0 THEN 'original ' || substring(name from '\\.(\\w+)$')
        ELSE 'variant ' || substring(name from '_(\\d*x\\d*)') || ' ' || substring(name from '\\.(\\w+)$') END AS kind,
        count(*)::int AS files, sum(size)::bigint AS bytes FROM blobs GROUP BY 1 ORDER BY 1`);
    const [{ total, heap }] = await pgQuery(store.env.DATABASE_URL, "SELECT pg_total_relation_size('blobs')::bigint AS total, pg_relation_size('blobs')::bigint AS heap");
    const stored = kinds.reduce((sum, kind) => sum + Number(kind.bytes), 0);
    const fileKinds = kinds.map((kind) => ({ kind: kind.kind, files: kind.files, averageBytes: Number(kind.bytes) / kind.files }));
    note(`database store: ${kinds.reduce((n, kind) => n + kind.files, 0)} files, ${stored} bytes of files in ${total} bytes of table (with TOAST and index)`);

    const started = process.hrtime.bigint();
    const summary = JSON.parse(await cli(['blobs', 'migrate', '--to', 'local', '--quiet'], store.env));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const local = diskBytes(join(store.dataDir, 'images'));
    note(`blobs migrate --to local: ${summary.copied} files, ${summary.bytes} bytes in ${seconds.toFixed(2)} s (the command's whole run, start-up included)`);
    return {
      originals: FILES,
      variantsPerOriginal: VARIANTS.map((variant) => `${variant.suffix}${variant.query}`),
      fileKinds,
      fileBytes: stored,
      database: { tableBytes: Number(total), heapBytes: Number(heap), overhead: Number(total) / stored },
      local: { ...local, overhead: local.onDisk / local.logical },
      migrate: { files: summary.copied, bytes: summary.bytes, seconds, filesPerSecond: summary.copied / seconds, mibPerSecond: summary.bytes / 1024 / 1024 / seconds },
    };
  } finally {
    await stopAll();
    await store.dispose();
    rmSync(originDir, { recursive: true, force: true });
  }
}

process.on('SIGINT', () => stopAll().then(() => process.exit(130)));
note(build({ skip: false }));
const unavailable = await postgresUnavailable(PG_URL);
if (unavailable) {
  note(`${unavailable}: this measurement needs PostgreSQL (--pg-url)`);
  process.exit(1);
}
const rows = [await rowsPerImage('postgres'), await rowsPerImage('sqlite')];
const files = await filesPerImage();

console.log(`\nDatabase rows (${IMAGES} seeded images, 50 per product; each product has its default variant row)`);
for (const row of rows) {
  console.log(`  ${row.dialect.padEnd(9)} ${row.bytesPerImage.toFixed(0).padStart(6)} bytes per image, every table and index (database ${(row.databaseBytesAfter / 1048576).toFixed(1)} MiB)`);
  for (const [name, table] of Object.entries(row.tables)) console.log(`            ${name.padEnd(9)} ${table.perImage.toFixed(0).padStart(6)} bytes per image (total ${(table.totalBytes / 1048576).toFixed(1)} MiB, heap ${(table.heapBytes / 1048576).toFixed(1)} MiB)`);
}
console.log(`\nImage files (${files.originals} ~1 MP JPEGs ingested through the API, each asked for ${files.variantsPerOriginal.join(', ')})`);
for (const kind of files.fileKinds) console.log(`  ${kind.kind.padEnd(22)} ${String(kind.files).padStart(4)} files, average ${kib(kind.averageBytes).padStart(7)} KiB`);
console.log(`  database store: blobs table ${kib(files.database.tableBytes)} KiB for ${kib(files.fileBytes)} KiB of files (x${files.database.overhead.toFixed(3)})`);
console.log(`  local store:    ${kib(files.local.onDisk)} KiB of disk blocks for ${kib(files.local.logical)} KiB of files (x${files.local.overhead.toFixed(3)})`);
console.log(`  blobs migrate database -> local: ${files.migrate.files} files in ${files.migrate.seconds.toFixed(2)} s: ${files.migrate.filesPerSecond.toFixed(0)} files/s, ${files.migrate.mibPerSecond.toFixed(1)} MiB/s (start-up included)`);

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const out = join(ROOT, 'bench/results/footprint.json');
writeFileSync(
  out,
  `${JSON.stringify({ generated: new Date().toISOString(), machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version }, settings: { images: IMAGES, files: FILES }, rows, files }, null, 2)}\n`,
);
note(`wrote ${out}`);
