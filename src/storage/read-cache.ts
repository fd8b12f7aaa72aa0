import type { Image } from '../domain/entities.js';

/**
 * Image reads kept in memory, dropped per product when anything of that product changes. Writes of
 * this process invalidate at once (after their commit); writes of other processes arrive through a
 * change feed (see change-feed.ts), and until a feed is live the cache stays off.
 *
 * A read that started before an invalidation must not store what it read: each read takes the
 * generation first and `put` refuses it once the generation has moved on.
 */
export class ReadCache {
  private readonly images = new Map<string, Image>();
  private readonly lists = new Map<string, Image[]>();
  private readonly keysOfProduct = new Map<string, string[]>();
  private version = 0;
  private on = false;
  /** Called before every lookup; the SQLite feed checks for other processes' commits here. */
  beforeRead: () => void = () => {};
  /**
   * Awaited before each write of image data and again before it is answered; the SQLite feed holds
   * writes here while other servers may not yet know of this one (presence.ts).
   */
  beforeWrite: () => Promise<void> = async () => {};

  constructor(private readonly maxEntries = 100_000) {}

  get generation(): number {
    return this.version;
  }

  image(shopId: string, productId: string, imageId: string): Image | undefined {
    if (!this.on) return undefined;
    this.beforeRead();
    return this.images.get(`${shopId}/${productId}/${imageId}`);
  }

  list(shopId: string, productId: string): Image[] | undefined {
    if (!this.on) return undefined;
    this.beforeRead();
    return this.lists.get(`${shopId}/${productId}`);
  }

  putImage(generation: number, shopId: string, productId: string, image: Image): void {
    if (this.accepts(generation)) this.remember(this.images, productId, `${shopId}/${productId}/${image.id}`, image);
  }

  putList(generation: number, shopId: string, productId: string, images: Image[]): void {
    if (this.accepts(generation)) this.remember(this.lists, productId, `${shopId}/${productId}`, images);
  }

  invalidate(productId: string): void {
    this.version++;
    for (const key of this.keysOfProduct.get(productId) ?? []) {
      this.images.delete(key);
      this.lists.delete(key);
    }
    this.keysOfProduct.delete(productId);
  }

  clear(): void {
    this.version++;
    this.images.clear();
    this.lists.clear();
    this.keysOfProduct.clear();
  }

  /** Off while no change feed is live: without one, another process's write could go unseen. */
  setEnabled(on: boolean): void {
    if (on === this.on) return;
    this.clear();
    this.on = on;
  }

  get enabled(): boolean {
    return this.on;
  }

  private accepts(generation: number): boolean {
    return this.on && generation === this.version;
  }

  private remember<T>(map: Map<string, T>, productId: string, key: string, value: T): void {
    // Bounded the simple way: when full, start over. Hot entries come back on their next read.
    if (this.images.size + this.lists.size >= this.maxEntries) this.clear();
    map.set(key, value);
    const keys = this.keysOfProduct.get(productId);
    if (keys) keys.push(key);
    else this.keysOfProduct.set(productId, [key]);
  }
}
