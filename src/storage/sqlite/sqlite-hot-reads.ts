import type SQLite from 'better-sqlite3';
import { HOT_READ_SQL, type HotReadName, type HotReads, hotReadsOver } from '../hot-reads.js';

/** The hot reads on the read-only connection, each statement prepared on first use. */
export function createSqliteHotReads(reader: () => SQLite.Database): HotReads {
  // better-sqlite3 wants plain `?`; every statement uses $1, $2, ... once each, in order.
  const prepare = (name: HotReadName) => reader().prepare(HOT_READ_SQL[name].replace(/\$\d+/g, '?'));
  let statements: Record<HotReadName, SQLite.Statement> | null = null;
  const statement = (name: HotReadName) => {
    statements ??= { grant: prepare('grant'), image: prepare('image'), images: prepare('images'), count: prepare('count') };
    return statements[name];
  };
  return hotReadsOver({
    first: async <T>(name: HotReadName, values: unknown[]) => statement(name).get(...values) as T | undefined,
    all: async <T>(name: HotReadName, values: unknown[]) => statement(name).all(...values) as T[],
  });
}
