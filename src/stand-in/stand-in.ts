import type { FastifyInstance } from 'fastify';
import type { ProductService } from '../domain/product-service.js';
import type { ShopService } from '../domain/shop-service.js';
import type { BlobStore } from '../imaging/blob-store.js';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from '../rate-limit-settings.js';
import type { CorsPolicy } from '../server/cors.js';
import { bucketFull } from '../server/rate-limits/rate-limits.js';
import type { Database } from '../storage/database.js';
import { applySeed, type SeededShop } from './apply-seed.js';
import { type ActiveFault, faultError, Faults, type FaultSpec } from './faults.js';
import { type JournalEntry, RequestJournal } from './request-journal.js';
import { SeededIds } from './seeded-ids.js';
import type { Seed } from './seed-schema.js';
import { restoreSnapshot, type Snapshot, takeSnapshot } from './snapshot.js';
import { registerStandInRoutes } from './stand-in-routes.js';

export interface StandInOptions {
  seed: Seed;
  /** How errors name the seed: its file's name, or "the seed option". */
  source: string;
  /** Makes the ids and tokens the seed does not give: the same number, the same ids. */
  randomSeed: number;
  database: Database;
  /** The server's rate limits: a 429 fault is worded like a real refusal under them. */
  rateLimits: RateLimitSettings | null;
}

/** What the app hands a stand-in once its services exist (build-app.ts). */
export interface StandInServices {
  shops: ShopService;
  products: ProductService;
  blobs: BlobStore;
  /** The server's origin policy (PRODIMG_CORS_ORIGINS): which pages may call the control endpoints. */
  origins: CorsPolicy;
}

/**
 * prodimg as a stand-in for the platform in an app's tests: a seed state it starts in and goes back
 * to on reset, deterministic ids, a journal of the requests received, and faults the next matching
 * requests answer with. Only a server started with `--allow-reset` or by `startProdimg` has one.
 */
export class StandIn {
  readonly ids: SeededIds;
  private readonly faults = new Faults();
  private readonly journal = new RequestJournal();
  private seeded: { shops: SeededShop[]; snapshot: Snapshot; idsMark: number; blobs: BlobStore } | undefined;

  constructor(private readonly options: StandInOptions) {
    this.ids = new SeededIds(options.randomSeed);
  }

  /** Seeds through the app's own services, remembers the result, and adds /__prodimg and its hooks. */
  async attach(app: FastifyInstance, services: StandInServices): Promise<void> {
    const shops = await applySeed(this.options.seed, { ...services, ids: this.ids }, this.options.source);
    const snapshot = await takeSnapshot(this.options.database.db, services.blobs);
    this.seeded = { shops, snapshot, idsMark: this.ids.mark(), blobs: services.blobs };
    this.addSeedFaults();
    registerStandInRoutes(app, this, services.origins);
  }

  /** The seeded stores and their tokens. */
  get shops(): SeededShop[] {
    return this.seeded?.shops.map((shop) => ({ ...shop, tokens: [...shop.tokens] })) ?? [];
  }

  /** Back to the seed state in one transaction; the journal emptied, the seed's faults only, ids from where the seed left them. */
  async reset(): Promise<void> {
    if (!this.seeded) throw new Error('the stand-in is not attached to a server yet');
    await restoreSnapshot(this.options.database.db, this.seeded.blobs, this.seeded.snapshot);
    this.ids.rewind(this.seeded.idsMark);
    this.journal.clear();
    this.faults.clear();
    this.addSeedFaults();
  }

  requests(): { requests: JournalEntry[]; dropped: number } {
    return this.journal.list();
  }

  record(entry: JournalEntry): void {
    this.journal.record(entry);
  }

  addFault(spec: FaultSpec): ActiveFault {
    return this.faults.add(spec);
  }

  listFaults(): ActiveFault[] {
    return this.faults.list();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The fault a request meets now, if any: its delay and the error to answer with (none: carry on after the delay). */
  faultFor(method: string, path: string): { delayMs: number; error: Error | undefined } | undefined {
    const fault = this.faults.take(method, path);
    if (!fault) return undefined;
    const limits = this.options.rateLimits ?? DEFAULT_RATE_LIMITS;
    return { delayMs: fault.delay_ms ?? 0, error: faultError(fault, (seconds) => bucketFull('app', limits, seconds)) };
  }

  private addSeedFaults(): void {
    for (const fault of this.options.seed.faults ?? []) this.faults.add(fault);
  }
}
