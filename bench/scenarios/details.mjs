// 1. GET image details, prodimg on SQLite and PostgreSQL against the ceiling and the lean baseline.
import { startCeiling, startLean } from '../lib/baselines.mjs';
import { callOk } from '../lib/load.mjs';
import { byName, compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { API } from '../lib/prodimg.mjs';

export const id = '1';
export const title = 'GET image details';

/** The shared catalog of a dialect, and the details path of image 5 of its 50-image product. */
export async function detailsFixture(ctx, dialect) {
  const catalog = await ctx.catalog(dialect);
  return { ...catalog, path: `${API}/products/${catalog.product.id}/images/${catalog.product.images[4].id}` };
}

export async function run(ctx) {
  // Set-up is mostly CLI start-up time: both stores at once.
  const [sqlite, pg] = await Promise.all([detailsFixture(ctx, 'sqlite'), ctx.postgres ? detailsFixture(ctx, 'postgres') : null]);
  const body = (await callOk(sqlite.server.base, { path: sqlite.path, token: sqlite.token })).bytes;
  const [ceiling, lean] = await Promise.all([ctx.track(startCeiling('ceiling', body, ctx.tmp)), ctx.track(startLean(sqlite.store.sqliteFile))]);
  const leanBody = (await callOk(lean.base, { path: sqlite.path })).bytes;
  if (!leanBody.equals(body)) ctx.note(`lean answers different bytes than prodimg: ${leanBody} vs ${body}`);

  const get = (fixture) => ({ url: fixture.server.base + fixture.path, headers: { 'access-token': fixture.token } });
  const systems = [
    httpSystem('ceiling', 'baseline', ceiling, { url: ceiling.base + sqlite.path }),
    httpSystem('lean (fastify+sqlite)', 'baseline', lean, { url: lean.base + sqlite.path }),
    httpSystem('prodimg sqlite', 'prodimg', sqlite.server, get(sqlite)),
  ];
  if (pg) {
    systems.push(httpSystem('prodimg postgres', 'prodimg', pg.server, get(pg)));
  } else {
    ctx.note(`PostgreSQL part skipped: ${ctx.postgresReason}`);
  }

  const rows = await compare(ctx.settings, systems, ctx.log);
  const top = byName(rows, 'ceiling');
  const leanRow = byName(rows, 'lean (fastify+sqlite)');
  const targets = [];
  for (const r of rows.filter((r) => r.role === 'prodimg')) {
    targets.push(
      target(`${r.name}: req/s vs ceiling`, pairedRatio(r, top), '>=', 0.5),
      target(`${r.name}: req/s vs lean`, pairedRatio(r, leanRow), '>=', 1),
      target(`${r.name}: p99 vs ceiling p99`, pairedRatio(r, top, 'p99'), '<', 5),
    );
  }
  return { rows, targets };
}
