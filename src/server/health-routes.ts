import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { BlobStore } from '../imaging/blob-store.js';
import type { Database } from '../storage/database.js';
import type { WorkerCounts } from './worker-counts.js';

/** A check that has not answered in this time counts as failing: a probe must answer promptly. */
const CHECK_TIMEOUT_MS = 2000;
/** Any valid blob name: readiness asks the store a question, it does not need the answer. */
const PROBE_BLOB = `${'0'.repeat(32)}.jpg`;

type CheckResult = 'ok' | 'failing';

async function check(run: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('failing'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run().then((): CheckResult => 'ok', (): CheckResult => 'failing'), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * For process managers and load balancers, outside the API's paths and without a token:
 * `/healthz` says the process answers (liveness); `/readyz` says whether it can serve requests now
 * (the database answers a query on the tables requests read; the file store takes a small write
 * where it can, else answers a lookup), 200 or 503. Under `--workers N` it also says how many
 * workers serve, as the primary counts them: fewer than N is not a 503, since the worker answering
 * serves.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: { database: Database; blobs: BlobStore; workers?: () => WorkerCounts | undefined }): void {
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const [database, blobs] = await Promise.all([
      // The tables every API request reads: a session holding one locked fails the check, as it fails them.
      check(() => sql`select 1 from products, images limit 0`.execute(deps.database.db)),
      check(() => (deps.blobs.checkWritable ? deps.blobs.checkWritable() : deps.blobs.has(PROBE_BLOB))),
    ]);
    const ready = database === 'ok' && blobs === 'ok';
    const counts = deps.workers?.();
    const workers = counts ? { workers: { serving: counts.serving, configured: counts.configured } } : {};
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ok' : 'unavailable', checks: { database, blobs }, ...workers });
  });
}
