// 1. GET image details, prodimg on SQLite and PostgreSQL against the ceiling and the lean baseline.
import { startCeiling, startLean } from '../lib/baselines.mjs';
import { callOk } from '../lib/load.mjs';
import { byName, compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { API } from '../lib/prodimg.mjs';
import { readFixture, readSystems } from '../lib/read-systems.mjs';

export const id = '1';
export const title = 'GET image details';

const ENVELOPED_API = '/openapi/2025-06';

/** Image 5 of the shared 50-image product. */
const detailsPath = (catalog) => `${API}/products/${catalog.product.id}/images/${catalog.product.images[4].id}`;

/** The shared catalog of a dialect, and the details path of image 5 of its 50-image product. */
export const detailsFixture = (ctx, dialect) => readFixture(ctx, dialect, detailsPath);

export async function run(ctx) {
  const { sqlite, body, prodimg } = await readSystems(ctx, detailsPath);
  const [ceiling, lean] = await Promise.all([ctx.track(startCeiling('ceiling', body, ctx.tmp)), ctx.track(startLean(sqlite.store.sqliteFile))]);
  const leanBody = (await callOk(lean.base, { path: sqlite.path })).bytes;
  if (!leanBody.equals(body)) ctx.note(`lean answers different bytes than prodimg: ${leanBody} vs ${body}`);
  // The same read in the enveloped 2025-06 version, from the same server: reported, not a target.
  const enveloped = sqlite.path.replace(API, ENVELOPED_API);
  const systems = [
    httpSystem('ceiling', 'baseline', ceiling, { url: ceiling.base + sqlite.path }),
    httpSystem('lean (fastify+sqlite)', 'baseline', lean, { url: lean.base + sqlite.path }),
    ...prodimg,
    httpSystem('prodimg sqlite 2025-06', 'version', sqlite.server, { url: sqlite.server.base + enveloped, headers: { 'access-token': sqlite.token } }),
  ];

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
  targets.push(target('prodimg sqlite 2025-06: req/s vs 2022-01', pairedRatio(byName(rows, 'prodimg sqlite 2025-06'), byName(rows, 'prodimg sqlite')), '>=', null));
  return { rows, targets };
}
