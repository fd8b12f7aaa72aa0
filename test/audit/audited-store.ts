import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { systemClock } from '../../src/domain/clock.js';
import type { AuditCode } from '../../src/domain/image-audit.js';
import type { NewImage } from '../../src/domain/entities.js';
import { ShopService } from '../../src/domain/shop-service.js';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import type { Database } from '../../src/storage/database.js';
import { createRepositories } from '../../src/storage/repositories.js';

/** Where each problem was planted: its product, and its image (null: a problem of the product itself). */
export interface Planted {
  productId: string;
  imageId: string | null;
}

export interface AuditedStore {
  shopId: string;
  /** A product with three good images and a variant showing one of them: the audit must find nothing. */
  cleanId: string;
  /** One product per code, each with that one problem and no other. */
  planted: Record<AuditCode, Planted>;
  /** The dimensions_mismatch image's file size, which `--fix dimensions` stores. */
  measured: { width: number; height: number };
}

/** A real JPEG of that size, its colour making its bytes (and so its name) its own. */
async function jpeg(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();
}

/**
 * Fills store `subdomain` (created when missing) of `database`, its files in `blobs`, with one
 * product per audit code and one clean product. Rows go through the product repository, as the API
 * writes them with ingestion on (src and path the stored name); what the API refuses to write (a
 * variant naming a deleted image, positions not 1..n) is then set in the tables directly.
 */
export async function plantAuditProblems(database: Database, blobs: BlobStore, subdomain: string): Promise<AuditedStore> {
  const repos = createRepositories(database);
  const shops = new ShopService(repos.shops, repos.tokens, systemClock);
  const shop = await shops.ensure(subdomain);
  const now = systemClock();
  const store = async (bytes: Buffer) => {
    const name = `${createHash('md5').update(bytes).digest('hex')}.jpg`;
    await blobs.put(name, bytes);
    return name;
  };
  const stored = async (bytes: Buffer, alt: string, size?: { width: number; height: number }): Promise<NewImage & { path: string }> => {
    const name = await store(bytes);
    const meta = await sharp(bytes).metadata();
    return { src: name, path: name, alt, width: size?.width ?? meta.width!, height: size?.height ?? meta.height! };
  };
  const [red, green, blue] = await Promise.all([jpeg(1000, 1000, '#c33'), jpeg(1000, 1000, '#3c3'), jpeg(1000, 1000, '#33c')]);
  const product = async (title: string, images: Array<NewImage & { path: string }>) => {
    const created = await repos.products.create(shop.id, { title, description: '', vendor: '', tags: '', published: true, images }, now);
    return { id: created.id, imageIds: created.images.map((image) => image.id), variantIds: created.variants.map((variant) => variant.id) };
  };
  const one = async (title: string, image: NewImage & { path: string }): Promise<Planted> => {
    const created = await product(title, [image]);
    return { productId: created.id, imageId: created.imageIds[0]! };
  };

  const clean = await product('Clean shirt', [await stored(red, 'Front'), await stored(green, 'Back'), await stored(blue, 'Side')]);
  await database.db.updateTable('variants').set({ image_id: clean.imageIds[1]! }).where('id', '=', clean.variantIds[0]!).execute();

  const missingName = `${createHash('md5').update('never stored').digest('hex')}.jpg`;
  const aspect = await product('Wide one', [await stored(red, 'Front'), await stored(green, 'Back'), await stored(await jpeg(2000, 1000, '#333'), 'Panorama')]);
  const duplicate = await product('Twice', [await stored(red, 'Front'), await stored(red, 'Front again')]);
  const variantless = await product('Variant of nothing', [await stored(red, 'Front')]);
  await database.db.updateTable('variants').set({ image_id: randomUUID() }).where('id', '=', variantless.variantIds[0]!).execute();
  const gapped = await product('Gapped', [await stored(red, 'Front'), await stored(green, 'Back')]);
  await database.db.updateTable('images').set({ position: 3 }).where('id', '=', gapped.imageIds[1]!).execute();

  const planted: Record<AuditCode, Planted> = {
    missing_alt: await one('No words', await stored(red, '')),
    poor_alt: await one('Camera roll', await stored(red, 'IMG_1234.jpg')),
    missing_file: await one('Lost file', { src: missingName, path: missingName, alt: 'Front', width: 1000, height: 1000 }),
    dimensions_mismatch: await one('Wrong size', await stored(red, 'Front', { width: 900, height: 700 })),
    too_small: await one('Thumbnail only', await stored(await jpeg(500, 500, '#c33'), 'Front')),
    too_heavy: await one('Poster', await stored(await jpeg(5000, 4100, '#c33'), 'Front')),
    duplicate_file: { productId: duplicate.id, imageId: duplicate.imageIds[1]! },
    aspect_ratio: { productId: aspect.id, imageId: aspect.imageIds[2]! },
    variant_image_missing: { productId: variantless.id, imageId: null },
    positions: { productId: gapped.id, imageId: null },
  };
  return { shopId: shop.id, cleanId: clean.id, planted, measured: { width: 1000, height: 1000 } };
}
