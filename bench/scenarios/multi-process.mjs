// 7. More processes on one PostgreSQL: two `serve` children on different ports with the load split
// across both, and `serve --workers 2`; each reported as a scaling factor over one process.
import { compare, httpSystem, pairedRatio, target } from '../lib/measure.mjs';
import { detailsFixture } from './details.mjs';

export const id = '7';
export const title = 'Several processes on one PostgreSQL';

export async function run(ctx) {
  if (!ctx.postgres) ctx.notAvailable(`needs PostgreSQL: ${ctx.postgresReason}`);
  const { store, token, server: first, path } = await detailsFixture(ctx, 'postgres');
  const second = await ctx.serve(store, { name: 'prodimg postgres #2' });
  const headers = { 'access-token': token };
  const systems = [
    httpSystem('one process', 'prodimg', first, { url: first.base + path, headers }),
    // autocannon spreads its connections round-robin over the URLs.
    httpSystem('two processes (load split)', 'prodimg', [first, second], { url: [first.base + path, second.base + path], headers }),
  ];
  let workersReason = null;
  try {
    const workers = await ctx.serve(store, { name: 'prodimg --workers 2', extraArgs: ['--workers', '2'] });
    systems.push(httpSystem('serve --workers 2', 'prodimg', workers, { url: workers.base + path, headers }));
  } catch (error) {
    workersReason = `serve --workers 2 not available: ${error.message.slice(0, 300)}`;
    ctx.note(workersReason);
  }

  const rows = await compare(ctx.settings, systems, ctx.log);
  const targets = rows.slice(1).map((r) => target(`${r.name}: req/s vs one process`, pairedRatio(r, rows[0]), '>=', null));
  ctx.note(`${ctx.cpus} CPU cores shared by the load generator, PostgreSQL and the servers bound the scaling factor`);
  return { rows, targets, ...(workersReason ? { partial: workersReason } : {}) };
}
