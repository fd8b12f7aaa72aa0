import type pg from 'pg';
import { HOT_READ_SQL, type HotReadName, type HotReads, hotReadsOver } from '../hot-reads.js';

/** The hot reads as named statements, parsed and planned once per pooled connection. */
export function createPostgresHotReads(pool: pg.Pool): HotReads {
  const run = async <T>(name: HotReadName, values: unknown[]): Promise<T[]> =>
    (await pool.query({ name: `prodimg_${name}`, text: HOT_READ_SQL[name], values })).rows as T[];
  return hotReadsOver({
    first: async <T>(name: HotReadName, values: unknown[]) => (await run<T>(name, values))[0],
    all: run,
  });
}
