// 2. GET the image list of a product with 50 images, against a ceiling serving the same bytes.
import { startCeiling } from '../lib/baselines.mjs';
import { callOk } from '../lib/load.mjs';
import { byName, compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { API } from '../lib/prodimg.mjs';

export const id = '2';
export const title = 'GET image list (50 images)';

async function listFixture(ctx, dialect) {
  const catalog = await ctx.catalog(dialect);
  return { ...catalog, path: `${API}/products/${catalog.product.id}/images` };
}

const get = (fixture) => ({ url: fixture.server.base + fixture.path, headers: { 'access-token': fixture.token } });

export async function run(ctx) {
  const [sqlite, pg] = await Promise.all([listFixture(ctx, 'sqlite'), ctx.postgres ? listFixture(ctx, 'postgres') : null]);
  const body = (await callOk(sqlite.server.base, { path: sqlite.path, token: sqlite.token })).bytes;
  const ceiling = await ctx.track(startCeiling('ceiling (list bytes)', body, ctx.tmp));
  ctx.note(`list response: ${body.length} bytes`);
  const systems = [
    httpSystem('ceiling (list bytes)', 'baseline', ceiling, { url: ceiling.base + sqlite.path }),
    httpSystem('prodimg sqlite', 'prodimg', sqlite.server, get(sqlite)),
  ];
  if (pg) {
    systems.push(httpSystem('prodimg postgres', 'prodimg', pg.server, get(pg)));
  } else {
    ctx.note(`PostgreSQL part skipped: ${ctx.postgresReason}`);
  }

  const rows = await compare(ctx.settings, systems, ctx.log);
  const top = byName(rows, 'ceiling (list bytes)');
  const targets = rows
    .filter((r) => r.role === 'prodimg')
    .map((r) => target(`${r.name}: req/s vs ceiling`, pairedRatio(r, top), '>=', 0.35));
  return { rows, targets };
}
