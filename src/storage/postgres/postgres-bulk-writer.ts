import type pg from 'pg';
import type { BulkInsert, BulkWriter } from '../database-dialect.js';

/** Bulk inserts as one statement per table and batch: each column travels as an array and unnest() turns them into rows. */
export function createPostgresBulkWriter(pool: pg.Pool): BulkWriter {
  // unnest() needs each array's type: the table's own column types, asked once per table.
  const tables = new Map<string, Promise<Map<string, string>>>();
  const typesOf = (table: string) => {
    let known = tables.get(table);
    if (!known) {
      known = pool
        .query<{ column_name: string; udt_name: string }>(
          'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
          [table],
        )
        .then((result) => new Map(result.rows.map((row) => [row.column_name, row.udt_name])));
      tables.set(table, known);
    }
    return known;
  };
  const statement = async ({ table, columns }: BulkInsert) => {
    const types = await typesOf(table);
    const arrays = columns.map((column, i) => {
      const type = types.get(column);
      if (!type) throw new Error(`bulk insert: the ${table} table has no column ${column}`);
      return `$${i + 1}::${type}[]`;
    });
    return `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`;
  };
  const columnsOf = (rows: unknown[][], width: number) => Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
  return {
    async write(inserts) {
      const texts = await Promise.all(inserts.map(statement));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const [i, each] of inserts.entries()) await client.query(texts[i]!, columnsOf(each.rows, each.columns.length));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    // Each batch committed durably already.
    finish: async () => {},
  };
}
