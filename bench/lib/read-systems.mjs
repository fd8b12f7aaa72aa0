// The read scenarios' common part: the same GET on the shared catalog of each dialect.
import { callOk } from './load.mjs';
import { httpSystem } from './measure.mjs';

/** The shared catalog of `dialect`, with `pathOf(catalog)` as the path to read. */
export async function readFixture(ctx, dialect, pathOf) {
  const catalog = await ctx.catalog(dialect);
  return { ...catalog, path: pathOf(catalog) };
}

/**
 * The prodimg systems for one GET (SQLite, and PostgreSQL when there is one, else a note), the
 * SQLite fixture, and the bytes prodimg answers there, for a ceiling to serve.
 */
export async function readSystems(ctx, pathOf) {
  // Set-up is mostly CLI start-up time: both stores at once.
  const [sqlite, pg] = await Promise.all([readFixture(ctx, 'sqlite', pathOf), ctx.postgres ? readFixture(ctx, 'postgres', pathOf) : null]);
  const body = (await callOk(sqlite.server.base, { path: sqlite.path, token: sqlite.token })).bytes;
  const get = (fixture) => ({ url: fixture.server.base + fixture.path, headers: { 'access-token': fixture.token } });
  const prodimg = [httpSystem('prodimg sqlite', 'prodimg', sqlite.server, get(sqlite))];
  if (pg) prodimg.push(httpSystem('prodimg postgres', 'prodimg', pg.server, get(pg)));
  else ctx.note(`PostgreSQL part skipped: ${ctx.postgresReason}`);
  return { sqlite, body, prodimg };
}
