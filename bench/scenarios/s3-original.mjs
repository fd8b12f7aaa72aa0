// 12. An original served by prodimg from an S3 bucket (Ceph RADOS Gateway, scripts/s3-gateway.sh)
// against the same object fetched straight from the gateway: what prodimg adds in front of S3.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCeiling, startOrigin } from '../lib/baselines.mjs';
import { makeJpeg } from '../lib/images.mjs';
import { call, callOk } from '../lib/load.mjs';
import { compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { s3Requests } from '../lib/metrics.mjs';
import { API, createShopAndToken } from '../lib/prodimg.mjs';
import { createBucket, s3StoreEnv, s3Unavailable } from '../lib/s3-gateway.mjs';
import { INGEST_ENV } from './ingest.mjs';

export const id = '12';
export const title = 'Original from S3 (/cdn/<hash>.jpg, ~200 KiB JPEG)';

/** Sequential GETs that show whether a server reads the bucket for every answer. */
const PROBES = 20;

export async function run(ctx) {
  const missing = s3Unavailable();
  if (missing) ctx.notAvailable(missing);
  const gateway = await ctx.s3Gateway();
  const bucket = await createBucket(gateway.settings, 'original', { publicRead: true });

  const originDir = join(ctx.tmp, 'origin');
  mkdirSync(originDir);
  writeFileSync(join(originDir, 'photo.jpg'), await makeJpeg(1, 12));
  const origin = await ctx.track(startOrigin(originDir));

  // One store, two servers on it: one reading the bucket for every answer, one with the default cache.
  const store = await ctx.store('sqlite', { ...INGEST_ENV, ...s3StoreEnv(gateway.settings, bucket) });
  const token = await createShopAndToken(store);
  const uncached = await ctx.serve(store, { name: 'prodimg s3 uncached', env: { PRODIMG_BLOB_CACHE_MB: '0' } });
  const cached = await ctx.serve(store, { name: 'prodimg s3 cached' });
  const body = { product: { title: 'from s3', images: [{ src: `${origin.base}/photo.jpg` }] } };
  const name = (await callOk(uncached.base, { method: 'POST', path: `${API}/products`, token, body })).json.product.images[0].path;
  const path = `/cdn/${name}`;
  const objectUrl = `${gateway.settings.AWS_ENDPOINT_URL_S3}/${bucket}/${name}`;

  // All three answer the same bytes; the uncached server asks the bucket each time, the cached one once.
  const direct = await call(objectUrl, { path: '' });
  if (direct.status !== 200) throw new Error(`GET ${objectUrl} straight from the gateway answered ${direct.status}: ${direct.bytes.toString('utf8').slice(0, 200)}`);
  const reads = {};
  for (const server of [uncached, cached]) {
    const before = await s3Requests(server.base, 'GetObject');
    for (let i = 0; i < PROBES; i++) {
      const answer = await call(server.base, { path });
      if (answer.status !== 200 || !answer.bytes.equals(direct.bytes)) throw new Error(`${server.name}: GET ${path} answered ${answer.status} with ${answer.bytes.length} bytes, not the object's ${direct.bytes.length}`);
    }
    reads[server.name] = (await s3Requests(server.base, 'GetObject')) - before;
  }
  if (reads[uncached.name] < PROBES) throw new Error(`with PRODIMG_BLOB_CACHE_MB=0, ${PROBES} GETs made only ${reads[uncached.name]} S3 GetObject requests`);

  // Is a gap to the gateway prodimg's, or any Node server's with answers this size? The object's
  // bytes from a bare node:http server tell.
  const ceiling = await ctx.track(startCeiling('ceiling (object bytes)', direct.bytes, ctx.tmp, 'image/jpeg'));
  const rows = await compare(
    ctx.settings,
    [
      httpSystem('gateway GET (public-read object)', 'baseline', gateway.daemons, { url: objectUrl }),
      httpSystem('prodimg from S3, PRODIMG_BLOB_CACHE_MB=0', 'prodimg', uncached, { url: uncached.base + path }),
      httpSystem('prodimg from S3, memory cache (64 MiB)', 'prodimg', cached, { url: cached.base + path }),
      httpSystem('ceiling (node:http, the bytes in memory)', 'baseline', ceiling, { url: ceiling.base + path }),
    ],
    ctx.log,
  );
  ctx.note(`object ${Math.round(direct.bytes.length / 1024)} KiB; ${PROBES} GETs before the runs made ${reads[uncached.name]} S3 GetObject requests with PRODIMG_BLOB_CACHE_MB=0, ${reads[cached.name]} with the default cache`);
  const driver = rows.map((r) => `${(r.median.driverCpuMsPerKReq / 1000).toFixed(1)} ms`).join(', ');
  ctx.note(`the load generator (autocannon, in the driver process) spent ${driver} of CPU per answer on the four rows: with 2 cores shared, it can be what limits req/s; CPU ms/1k is the steadier column`);
  ctx.note("the gateway row's CPU and RSS are radosgw's and the OSD's; prodimg's rows are prodimg's alone (the gateway's work for them is not in them)");
  return {
    rows,
    targets: [
      target('prodimg from S3 (no memory cache) req/s vs gateway GET', pairedRatio(rows[1], rows[0]), '>=', 0.5),
      target('prodimg from S3 (memory cache) req/s vs gateway GET', pairedRatio(rows[2], rows[0]), '>=', null),
      target('node:http ceiling req/s vs gateway GET', pairedRatio(rows[3], rows[0]), '>=', null),
      target('prodimg from S3 (memory cache) req/s vs node:http ceiling', pairedRatio(rows[2], rows[3]), '>=', null),
    ],
  };
}
