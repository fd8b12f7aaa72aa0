import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import type { JournalEntry } from './request-journal.js';
import type { ActiveFault, FaultSpec } from './faults.js';
import type { SeededShop } from './apply-seed.js';
import { checkSeed, readSeedFile } from './seed-file.js';
import type { Seed } from './seed-schema.js';
import { standInConfig } from './stand-in-config.js';

export interface StartOptions {
  /** 0 (the default): any free port. */
  port?: number;
  /** The address to bind; 127.0.0.1 by default. */
  host?: string;
  /** The seed object (as a seed file holds it), or a seed file's path (.json, .yaml, .yml). None: one store, `shop`, with one token. */
  seed?: Seed | string;
  /** off (the default): images keep the src and sizes sent; fetch: downloaded, measured and served from /cdn as by a real server. */
  ingest?: 'off' | 'fetch';
  /** Makes the ids and tokens the seed does not give; 0 by default. */
  randomSeed?: number;
  /** A PostgreSQL URL of an empty database to use instead of a temporary SQLite one. */
  databaseUrl?: string;
  /** Other settings, by their environment names (PRODIMG_RATE_LIMIT, PRODIMG_BASE_DOMAIN, ...); the process's environment is not read. */
  settings?: Readonly<Record<string, string>>;
}

export interface ProdimgStandIn {
  /** `http://127.0.0.1:<port>`: the base URL apps call (the token says which store). */
  url: string;
  /** The seeded stores, in seed order, with the tokens apps may call them with. */
  shops: SeededShop[];
  /** Back to the seed state (also `POST <url>/__prodimg/reset`). */
  reset(): Promise<void>;
  /** The requests received since the last reset (also `GET <url>/__prodimg/requests`). */
  requests(): JournalEntry[];
  /** The next matching requests answer with a fault (also `POST <url>/__prodimg/faults`). */
  fault(spec: FaultSpec): ActiveFault;
  clearFaults(): void;
  /** Stops the server and removes its temporary data. */
  close(): Promise<void>;
}

const DEFAULT_SEED: Seed = { shops: [{ subdomain: 'shop', name: 'Shop' }] };

/**
 * prodimg in this process as a stand-in for the platform: a fresh temporary database (removed on
 * close) seeded with `seed`, listening on `port`, with /__prodimg/reset, /requests and /faults.
 */
export async function startProdimg(options: StartOptions = {}): Promise<ProdimgStandIn> {
  const seed = typeof options.seed === 'string' ? await readSeedFile(options.seed) : checkSeed(options.seed ?? DEFAULT_SEED, 'the seed option');
  const randomSeed = options.randomSeed ?? 0;
  if (!Number.isSafeInteger(randomSeed)) throw new TypeError(`randomSeed must be an integer, got ${String(randomSeed)}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'prodimg-stand-in-'));
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    const config = standInConfig(
      loadConfig({
        PRODIMG_LOG_LEVEL: 'silent',
        PRODIMG_STARTUP_SWEEP: '0',
        // An app's test serves its images and receives its webhooks on this machine.
        PRODIMG_ALLOW_PRIVATE_SOURCES: '1',
        PRODIMG_SECRET_KEY: randomBytes(32).toString('hex'),
        ...options.settings,
        PRODIMG_DATA_DIR: dataDir,
        PRODIMG_INGEST: options.ingest ?? 'off',
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      }),
    );
    const [{ openDatabase }, { buildApp }, { StandIn }, { requireEmpty }] = await Promise.all([
      import('../storage/database.js'),
      import('../server/build-app.js'),
      import('./stand-in.js'),
      import('./require-empty.js'),
    ]);
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir, bounds: config.databaseBounds });
    const host = options.host ?? '127.0.0.1';
    let publicAddress = `${host}:${options.port ?? 0}`;
    try {
      await requireEmpty(database, config.databaseUrl ? 'the database at databaseUrl' : 'the temporary database');
      const standIn = new StandIn({ seed, source: typeof options.seed === 'string' ? options.seed : 'the seed option', randomSeed, database, rateLimits: config.rateLimits });
      const app = await buildApp({ config, database, standIn, publicAddress: () => publicAddress });
      try {
        await app.listen({ port: options.port ?? 0, host });
      } catch (err) {
        await app.close();
        throw err;
      }
      const bound = app.server.address();
      const port = typeof bound === 'object' && bound ? bound.port : options.port ?? 0;
      publicAddress = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      let closed: Promise<void> | undefined;
      return {
        url: `http://${publicAddress}`,
        shops: standIn.shops,
        reset: () => standIn.reset(),
        requests: () => standIn.requests().requests,
        fault: (spec) => standIn.addFault(checkSeed({ faults: [spec] }, 'the fault').faults![0]!),
        clearFaults: () => standIn.clearFaults(),
        close: () =>
          (closed ??= (async () => {
            await app.close();
            await database.close();
            removeData();
          })()),
      };
    } catch (err) {
      await database.close();
      throw err;
    }
  } catch (err) {
    removeData();
    if (err instanceof ConfigError) throw new TypeError(err.message);
    throw err;
  }
}
