// 3. Create image from URL: prodimg (fetch ingestion) against the bare pipeline script, for a 1 MP
// and a 12 MP JPEG served by a local origin, at concurrency 1 and 8.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin, startPipeline } from '../lib/baselines.mjs';
import { makeJpeg } from '../lib/images.mjs';
import { callOk } from '../lib/load.mjs';
import { compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { API, createShopAndToken } from '../lib/prodimg.mjs';

export const id = '3';
export const title = 'Create image from URL';

export const INGEST_ENV = { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' };
/** Creates append at the end of a product; spreading them keeps every product's image count modest. */
const PRODUCTS = 16;
const CONCURRENCY = [1, 8];

export async function run(ctx) {
  // Set-up in parallel: the images and origin, the pipeline process, the prodimg store and server.
  const [{ origin, files }, pipeline, { server, token, products }] = await Promise.all([
    imagesAndOrigin(ctx),
    ctx.track(startPipeline(join(ctx.tmp, 'pipeline-out'))),
    prodimgWithProducts(ctx),
  ]);
  for (const file of files) ctx.note(`${file.label} JPEG: ${Math.round(file.bytes.length / 1024)} KiB`);

  const rows = [];
  const targets = [];
  let unique = 0;
  for (const file of files) {
    const src = `${origin.base}/${file.name}`;
    // Fail early and clearly if ingestion itself is broken.
    await callOk(server.base, { method: 'POST', path: `${API}/products/${products[0]}/images`, token, body: { image: { src } } });
    for (const concurrency of CONCURRENCY) {
      const suffix = `${file.label}, c=${concurrency}`;
      const create = {
        url: server.base,
        connections: concurrency,
        method: 'POST',
        headers: { 'access-token': token, 'content-type': 'application/json' },
        setupRequest: (request) => {
          const n = unique++;
          request.path = `${API}/products/${products[n % PRODUCTS]}/images`;
          request.body = JSON.stringify({ image: { src: `${src}?n=${n}` } });
          return request;
        },
      };
      const pair = await compare(
        ctx.settings,
        [pipeline.system(`bare pipeline (${suffix})`, src, concurrency), httpSystem(`prodimg sqlite (${suffix})`, 'prodimg', server, create)],
        ctx.log,
      );
      rows.push(...pair);
      targets.push(target(`prodimg ${suffix}: creates/s vs bare pipeline`, pairedRatio(pair[1], pair[0]), '>=', 0.8));
    }
  }
  return { rows, targets };
}

async function imagesAndOrigin(ctx) {
  const originDir = join(ctx.tmp, 'origin');
  mkdirSync(originDir);
  const files = [
    { name: '1mp.jpg', label: '1 MP', bytes: await makeJpeg(1, 1) },
    { name: '12mp.jpg', label: '12 MP', bytes: await makeJpeg(12, 2) },
  ];
  for (const file of files) writeFileSync(join(originDir, file.name), file.bytes);
  return { files, origin: await ctx.track(startOrigin(originDir)) };
}

async function prodimgWithProducts(ctx) {
  const store = await ctx.store('sqlite', INGEST_ENV);
  const token = await createShopAndToken(store);
  const server = await ctx.serve(store);
  const products = await Promise.all(
    Array.from({ length: PRODUCTS }, async (_, i) => {
      const response = await callOk(server.base, { method: 'POST', path: `${API}/products`, token, body: { product: { title: `ingest ${i}` } } });
      return response.json.product.id;
    }),
  );
  return { server, token, products };
}
