import type SQLite from 'better-sqlite3';
import type { BulkInsert, BulkWriter } from '../database-dialect.js';

/** Bulk inserts on the writing connection, tuned for loading and left so until it closes. */
export function createSqliteBulkWriter(sqlite: SQLite.Database): BulkWriter {
  // Random UUID keys land all over the indexes: a large page cache keeps the B-tree pages in memory
  // instead of re-reading them for every row. Durability comes from the final checkpoint.
  sqlite.pragma('cache_size = -524288');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('wal_autocheckpoint = 100000');
  const statements = new Map<string, SQLite.Statement>();
  const statement = ({ table, columns }: BulkInsert) => {
    const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(',')})`;
    let prepared = statements.get(text);
    if (!prepared) statements.set(text, (prepared = sqlite.prepare(text)));
    return prepared;
  };
  const insert = sqlite.transaction((inserts: BulkInsert[]) => {
    for (const each of inserts) {
      const prepared = statement(each);
      for (const row of each.rows) prepared.run(row);
    }
  });
  return {
    write: async (inserts) => insert(inserts),
    finish: async () => {
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
