import { createHash } from 'node:crypto';
import type fc from 'fast-check';
import { expect } from 'vitest';
import { openBlobStore } from '../../src/open-blob-store.js';
import type { DialectName } from '../../src/storage/dialect-name.js';
import { makeJpeg } from '../imaging/fixtures/images.js';
import { startApi, type TestApi } from '../support/api.js';
import { scale, STRESS } from '../support/stress.js';
import { describeRequest, type FuzzContext, type FuzzRequest } from './fuzz-arbitraries.js';
import { type Answer, expectGallery } from './fuzz-oracle.js';

/** Fixed in normal runs so a CI failure replays as is; random in stress runs. fast-check prints the seed on failure. */
const SEED = STRESS ? undefined : 20_240_408;

/** fast-check settings for a batch of `short` runs: ten times more with PRODIMG_STRESS=1. */
export function runs(short: number): fc.Parameters<unknown> {
  return { numRuns: scale(short, short * 10), ...(SEED !== undefined ? { seed: SEED } : {}) };
}

export const BATCH_TIMEOUT_MS = scale(60_000, 900_000);
/** Longest any single request may take before it counts as a hang (PostgreSQL on a busy 2-core CI box included). */
export const REQUEST_TIMEOUT_MS = 10_000;
const CDN_SIZES = [16, 32];
const POOL_MAX = 6;

export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One app on a fresh database, seen by a fuzz suite: tokens of every kind, a product no batch may
 * change (`known`), products batches may change (`pool`, tracked from the answers), a stored image
 * under /cdn, and a tally of every generated request.
 */
export class FuzzWorld {
  readonly tally = { requests: 0, serverErrors: 0, statuses: new Map<number, number>() };
  /** Product id -> its image ids, as the answers so far say. */
  private pool = new Map<string, Set<string>>();
  private poolView: Array<{ product: string; images: string[] }> = [];
  private knownState: string[] = [];

  private constructor(
    readonly api: TestApi,
    readonly ctx: FuzzContext,
  ) {}

  static async start(dialect: DialectName): Promise<FuzzWorld> {
    const api = await startApi(dialect, { env: { PRODIMG_VARIANT_SIZES: CDN_SIZES.join(',') } });
    const readOnly = (await api.shops.createToken('alpha', ['read_product'])).token;
    await api.shops.create('sleepy');
    const inactive = (await api.shops.createToken('sleepy', ['read_product', 'write_product'])).token;
    await api.shops.setActive('sleepy', false);
    await api.shops.create('beta');
    const otherStore = (await api.shops.createToken('beta', ['read_product', 'write_product'])).token;
    const known = await api.product(4);
    const jpeg = await makeJpeg(40, 20);
    const cdnName = `${createHash('md5').update(jpeg).digest('hex')}.jpg`;
    await openBlobStore(api.config, api.db.database).put(cdnName, jpeg);
    let world: FuzzWorld | undefined;
    const ctx: FuzzContext = {
      tokens: { good: api.token, readOnly, inactive, otherStore },
      known: { product: known.id, images: known.imageIds },
      scratch: () => world!.poolView,
      cdnName,
      cdnSizes: CDN_SIZES,
    };
    world = new FuzzWorld(api, ctx);
    world.knownState = await world.readKnown();
    return world;
  }

  /** Sends one generated request through app.inject, within the time bound, and counts it. */
  async send(request: FuzzRequest): Promise<Answer> {
    const res = await within(
      REQUEST_TIMEOUT_MS,
      this.api.app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      }),
      describeRequest(request),
    );
    this.count(res.statusCode);
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  }

  /** Counts one answered generated request (the socket suite sends its own). */
  count(status: number): void {
    this.tally.requests += 1;
    if (status >= 500) this.tally.serverErrors += 1;
    this.tally.statuses.set(status, (this.tally.statuses.get(status) ?? 0) + 1);
  }

  /** A trusted request (setup and checks), not counted as generated. */
  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await this.api.call('GET', path);
    return { status: res.statusCode, body: res.body };
  }

  /** Fresh products for the next batch to change: three with three images each. */
  async resetPool(): Promise<void> {
    this.pool.clear();
    await this.refill();
  }

  /** Tops the pool up to three products when deletes have taken it below. */
  async refill(): Promise<void> {
    while (this.pool.size < 3) {
      const { id, imageIds } = await this.api.product(3);
      this.pool.set(id, new Set(imageIds));
    }
    this.refreshView();
  }

  /** Updates the pool from a successful answer of the alpha store. */
  learn(request: FuzzRequest, body: unknown): void {
    if (request.auth !== 'good' || body === undefined) return;
    const value = body as { image?: { id: string; product_id: string }; product?: { id: string; images: Array<{ id: string }> } };
    const productId = request.productId?.toLowerCase();
    if (request.method === 'DELETE' && request.route === 'image' && productId) this.pool.get(productId)?.delete(request.imageId!.toLowerCase());
    else if (request.method === 'DELETE' && request.route === 'product' && productId) this.pool.delete(productId);
    else if (value.image && request.method !== 'GET') this.pool.get(value.image.product_id)?.add(value.image.id);
    else if (value.product && (request.method === 'POST' || request.method === 'PUT')) {
      this.pool.delete(value.product.id);
      this.pool.set(value.product.id, new Set(value.product.images.map((image) => image.id)));
      // Keep the pool small so generated ids keep hitting the same few products.
      for (const id of [...this.pool.keys()].slice(0, Math.max(0, this.pool.size - POOL_MAX))) this.pool.delete(id);
    } else return;
    this.refreshView();
  }

  /**
   * Every pool product is consistent: positions 1..n, count and product agree with the list, and
   * (after a sequential batch, when every answer was seen in order) the ids are the ones the answers said.
   */
  async expectPoolConsistent(exactIds: boolean): Promise<void> {
    for (const [productId, ids] of this.pool) {
      const list = await this.get(`products/${productId}/images`);
      // After a concurrent burst the answers may have been learnt out of order: a deleted product is fine then.
      if (!exactIds && list.status === 422) {
        this.pool.delete(productId);
        continue;
      }
      expect(list.status, `pool product ${productId}`).toBe(200);
      const images = JSON.parse(list.body).images as Array<{ id: string }>;
      expectGallery(images, `pool product ${productId}`);
      if (exactIds) expect(new Set(images.map((image) => image.id)), `image ids of ${productId}`).toEqual(ids);
      expect(JSON.parse((await this.get(`products/${productId}/images/count`)).body)).toEqual({ count: images.length });
      expect(JSON.parse((await this.get(`products/${productId}`)).body).product.images).toEqual(images);
      this.pool.set(productId, new Set(images.map((image) => image.id)));
    }
    this.refreshView();
  }

  /** The server still answers, and the known product is byte for byte what it was before any batch. */
  async expectHealthy(): Promise<void> {
    const now = await this.readKnown();
    expect(now, 'known product, its images and one image, unchanged').toEqual(this.knownState);
    expectGallery(JSON.parse(now[1]!).images, 'known product');
  }

  /** The line docs quote: `fuzz (sqlite, inject): 2270 generated requests, 0 server errors (200: 612, ...)`. */
  summary(label: string): string {
    const statuses = [...this.tally.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
    return `fuzz (${label}): ${this.tally.requests} generated requests, ${this.tally.serverErrors} server errors (${statuses.join(', ')})`;
  }

  async close(): Promise<void> {
    await this.api.close();
  }

  private async readKnown(): Promise<string[]> {
    const { product, images } = this.ctx.known;
    const paths = [`products/${product}`, `products/${product}/images`, `products/${product}/images/${images[1]}`];
    const answers = await Promise.all(paths.map((path) => this.get(path)));
    for (const answer of answers) expect(answer.status, answer.body).toBe(200);
    return answers.map((answer) => answer.body);
  }

  private refreshView(): void {
    this.poolView = [...this.pool].map(([product, images]) => ({ product, images: [...images] }));
  }
}
