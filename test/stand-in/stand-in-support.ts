import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import type { DialectName } from '../../src/storage/dialect-name.js';
import { type StartOptions, startProdimg, type ProdimgStandIn } from '../../src/index.js';

export { DIALECTS };

/**
 * A stand-in on `dialect`: its own temporary SQLite database, or a fresh PostgreSQL database
 * (dropped by `stop`).
 */
export async function standInOn(dialect: DialectName, options: StartOptions = {}): Promise<{ server: ProdimgStandIn; stop(): Promise<void> }> {
  const pg: TestDatabase | undefined = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
  const server = await startProdimg({ ...options, ...(pg?.databaseUrl ? { databaseUrl: pg.databaseUrl } : {}) });
  return {
    server,
    async stop() {
      await server.close();
      await pg?.drop();
    },
  };
}
/** Calls the API as an app would; the parsed body (null when empty). */
export async function call(server: ProdimgStandIn, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'Access-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
