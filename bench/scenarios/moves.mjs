// 6. Position moves: sequential PUT {"image":{"position":k}} on a product with 250 images,
// timed one by one over HTTP (keep-alive), on SQLite and PostgreSQL.
import { call, timed } from '../lib/load.mjs';
import { latencyRun, row, target } from '../lib/measure.mjs';
import { cpuSeconds } from '../lib/proc.mjs';
import { API, createProduct } from '../lib/prodimg.mjs';

export const id = '6';
export const title = 'Position moves (250 images)';

const IMAGES = 250;
const WARM_UP_MOVES = 50;

/** A fixed pseudo-random sequence, so every run and every dialect makes the same moves. */
function* moves(seed, count) {
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const image = state % IMAGES;
    state = (state * 1103515245 + 12345) >>> 0;
    yield { image, position: 1 + (state % IMAGES) };
  }
}

/** A new 250-image product on the dialect's shared catalog store (ingestion off). */
async function setUp(ctx, dialect) {
  const { token, server } = await ctx.catalog(dialect);
  const product = await createProduct(server.base, token, IMAGES, { title: 'moves' });
  return { dialect, token, server, product };
}

async function measure(ctx, { dialect, token, server, product }) {
  const ids = product.images.map((image) => image.id);
  const move = async ({ image, position }) => {
    const path = `${API}/products/${product.id}/images/${ids[image]}`;
    const response = await call(server.base, { method: 'PUT', path, token, body: { image: { position } } });
    if (response.status !== 200 || response.json.image.position !== position) {
      throw new Error(`PUT position ${position} answered ${response.status}: ${response.bytes.toString('utf8').slice(0, 200)}`);
    }
  };
  for (const m of moves(1, WARM_UP_MOVES)) await move(m);
  const runs = [];
  for (let r = 0; r < ctx.settings.runs; r++) {
    const ms = [];
    const cpuBefore = cpuSeconds(server.pid);
    for (const m of moves(100 + r, ctx.settings.moves)) ms.push((await timed(() => move(m))).ms);
    runs.push(latencyRun(ms, cpuSeconds(server.pid) - cpuBefore));
    ctx.log(`${dialect} run ${r + 1}/${ctx.settings.runs}: ${ms.length} moves, p50 ${runs.at(-1).p50.toFixed(2)} ms`);
  }
  // Positions must still be exactly 1..250 after all that.
  const list = await call(server.base, { path: `${API}/products/${product.id}/images`, token });
  const positions = list.json.images.map((image) => image.position);
  if (positions.length !== IMAGES || positions.some((p, i) => p !== i + 1)) ctx.note(`${dialect}: positions are not 1..${IMAGES} after the moves`);
  return row({ name: `prodimg ${dialect} (${ctx.settings.moves} moves/run)`, role: 'prodimg', servers: [server] }, runs);
}

export async function run(ctx) {
  const fixtures = await Promise.all([setUp(ctx, 'sqlite'), ctx.postgres ? setUp(ctx, 'postgres') : null]);
  const rows = [];
  for (const fixture of fixtures) if (fixture) rows.push(await measure(ctx, fixture));
  if (!ctx.postgres) ctx.note(`PostgreSQL part skipped: ${ctx.postgresReason}`);
  const targets = [target('sqlite: median ms per move', rows[0].median.p50, '<', 2, 'ms'), target('sqlite: p99 ms per move', rows[0].median.p99, '<', null, 'ms')];
  if (rows[1]) targets.push(target('postgres: median ms per move', rows[1].median.p50, '<', null, 'ms'), target('postgres: p99 ms per move', rows[1].median.p99, '<', null, 'ms'));
  return { rows, targets };
}
