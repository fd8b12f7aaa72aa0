// 13. Create image from URL into an S3 bucket (Ceph RADOS Gateway) against the same into the local
// disk: what keeping the library in object storage costs ingestion.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin } from '../lib/baselines.mjs';
import { makeJpeg } from '../lib/images.mjs';
import { callOk } from '../lib/load.mjs';
import { compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { s3Requests } from '../lib/metrics.mjs';
import { API, createShopAndToken } from '../lib/prodimg.mjs';
import { createBucket, s3StoreEnv, s3Unavailable } from '../lib/s3-gateway.mjs';
import { INGEST_ENV } from './ingest.mjs';

export const id = '13';
export const title = 'Create image from URL into S3 vs local disk (1 MP JPEG, c=8)';

const PRODUCTS = 16;
const CONCURRENCY = 8;

export async function run(ctx) {
  const missing = s3Unavailable();
  if (missing) ctx.notAvailable(missing);
  const gateway = await ctx.s3Gateway();
  const bucket = await createBucket(gateway.settings, 'ingest');

  // Every `?n=` URL gives other bytes (a JPEG comment), so every create stores a new file in either
  // store: with the same bytes each time, both would store one file and then only check it is there.
  const originDir = join(ctx.tmp, 'origin');
  mkdirSync(originDir);
  const jpeg = await makeJpeg(1, 13);
  writeFileSync(join(originDir, '1mp.jpg'), jpeg);
  const origin = await ctx.track(startOrigin(originDir, { unique: true }));
  const src = `${origin.base}/1mp.jpg`;

  const [local, s3] = await Promise.all([prodimgWithProducts(ctx, 'local', {}), prodimgWithProducts(ctx, 's3', s3StoreEnv(gateway.settings, bucket))]);
  let unique = 0;
  const creates = ({ server, token, products }) => ({
    url: server.base,
    connections: CONCURRENCY,
    method: 'POST',
    headers: { 'access-token': token, 'content-type': 'application/json' },
    setupRequest: (request) => {
      const n = unique++;
      request.path = `${API}/products/${products[n % PRODUCTS]}/images`;
      request.body = JSON.stringify({ image: { src: `${src}?n=${n}` } });
      return request;
    },
  });
  // Fail early and clearly if ingestion into either store is broken.
  for (const fixture of [local, s3]) {
    await callOk(fixture.server.base, { method: 'POST', path: `${API}/products/${fixture.products[0]}/images`, token: fixture.token, body: { image: { src: `${src}?n=check-${fixture.kind}` } } });
  }

  const putsBefore = await s3Requests(s3.server.base, 'PutObject');
  const rows = await compare(
    ctx.settings,
    [httpSystem(`prodimg local disk (c=${CONCURRENCY})`, 'baseline', local.server, creates(local)), httpSystem(`prodimg S3 (c=${CONCURRENCY})`, 'prodimg', s3.server, creates(s3))],
    ctx.log,
  );
  const puts = (await s3Requests(s3.server.base, 'PutObject')) - putsBefore;
  ctx.note(`1 MP JPEG ${Math.round(jpeg.length / 1024)} KiB, a new comment (so a new md5 and file) per URL; the S3 server made ${puts} PutObject requests in its warm-up and runs`);
  ctx.note("both on SQLite, one origin; the S3 row's CPU is prodimg's alone (radosgw's and the OSD's are not in it)");
  return {
    rows,
    targets: [target(`prodimg S3 c=${CONCURRENCY}: creates/s vs local disk`, pairedRatio(rows[1], rows[0]), '>=', 0.7)],
  };
}

async function prodimgWithProducts(ctx, kind, env) {
  const store = await ctx.store('sqlite', { ...INGEST_ENV, ...env });
  const token = await createShopAndToken(store);
  const server = await ctx.serve(store, { name: `prodimg ${kind}` });
  const products = await Promise.all(
    Array.from({ length: PRODUCTS }, async (_, i) => {
      const response = await callOk(server.base, { method: 'POST', path: `${API}/products`, token, body: { product: { title: `${kind} ${i}` } } });
      return response.json.product.id;
    }),
  );
  return { kind, server, token, products };
}
