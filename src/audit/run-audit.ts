import { systemClock } from '../domain/clock.js';
import {
  AUDIT_FIXES,
  type AuditedImage,
  type AuditFix,
  type AuditProblem,
  auditProduct,
  type Finding,
  toProblem,
} from '../domain/image-audit.js';
import type { Clock, ImageRepository } from '../domain/ports.js';
import type { BlobStore } from '../imaging/blob-store.js';
import { createFileFactsReader, type ExternalFetch } from '../imaging/file-facts.js';
import type { StoredFactsCache } from '../imaging/stored-facts-cache.js';
import { type AuditScope, countAuditImages, findAuditProductShop, findAuditShop, productsToAudit, type ProductToAudit } from '../storage/audit-reader.js';
import type { Database } from '../storage/database.js';
import { createRepositories } from '../storage/repositories.js';

export interface AuditOptions {
  database: Database;
  /** The configured file store (open-blob-store.ts). */
  blobs: BlobStore;
  /** A store's subdomain: only its products. */
  shop?: string;
  /** Only this product (a UUID; of `shop` when given). */
  productId?: string;
  /** too_small below this shortest side, in px (PRODIMG_AUDIT_MIN_SIDE). */
  minSide: number;
  /** The probe's pixel limit (PRODIMG_MAX_MEGAPIXELS): a larger file is reported unreadable. */
  maxPixels: number;
  /** Fetch external images (ingestion off) through the guarded downloader and check them too; absent: they get no file checks. */
  checkExternal?: ExternalFetch;
  /** Repairs to make, each reported with `fixed: true`; through the image repository, so running servers hear of them. */
  fix?: readonly AuditFix[];
  /** Called after each product, and once before the first. */
  onProgress?: (progress: AuditProgress) => void;
  /** Facts of stored files found by earlier audits of this process (a server's); each file is read once. */
  factsCache?: StoredFactsCache;
  /** Products read at once (default 200). */
  pageSize?: number;
  clock?: Clock;
}

export interface AuditProgress {
  productsChecked: number;
  imagesChecked: number;
  /** The scope's images when the audit started. */
  imagesTotal: number;
}

/** The store or product named does not exist: nothing was audited. */
export class AuditTargetNotFound extends Error {
  override name = 'AuditTargetNotFound';
}

/** A product's files are read this many at a time: enough to overlap I/O, few enough for sharp's threads. */
const FILE_READS = 4;

/**
 * Audits every image in scope, a product at a time, yielding its problems as they are found (per
 * image in list order, then the product's own with `image_id` null). Memory stays flat: the products
 * come a page at a time and each product's files are read and dropped before the next. Throws
 * AuditTargetNotFound before yielding anything when `shop` or `productId` names nothing.
 */
export async function* auditImages(options: AuditOptions): AsyncGenerator<AuditProblem, AuditProgress> {
  const { db } = options.database;
  const scope = await resolveScope(options);
  const progress: AuditProgress = { productsChecked: 0, imagesChecked: 0, imagesTotal: await countAuditImages(db, scope) };
  options.onProgress?.({ ...progress });
  const files = createFileFactsReader({
    blobs: options.blobs,
    maxPixels: options.maxPixels,
    ...(options.checkExternal ? { external: options.checkExternal } : {}),
    ...(options.factsCache ? { cache: options.factsCache } : {}),
  });
  const fixes = new Set(options.fix ?? []);
  const images = fixes.size > 0 ? createRepositories(options.database).images : undefined;
  const clock = options.clock ?? systemClock;
  try {
    for await (const product of productsToAudit(db, scope, options.pageSize)) {
      const audited = await mapLimited(product.images, FILE_READS, async (image) => ({ image, file: await files.read(image) }));
      const findings = auditProduct({ id: product.id, title: product.title, images: audited, variants: product.variants }, { minSide: options.minSide });
      const fixed = images ? await applyFixes(images, fixes, product, audited, findings, clock) : new Set<Finding>();
      for (const finding of findings) yield toProblem(product.shop.subdomain, product.id, finding, fixed.has(finding));
      progress.productsChecked++;
      progress.imagesChecked += product.images.length;
      options.onProgress?.({ ...progress });
    }
  } finally {
    await files.close();
  }
  return progress;
}

async function resolveScope(options: AuditOptions): Promise<AuditScope> {
  const { db } = options.database;
  let shopId: string | undefined;
  if (options.shop !== undefined) {
    const shop = await findAuditShop(db, options.shop);
    if (!shop) throw new AuditTargetNotFound(`no store "${options.shop}"`);
    shopId = shop.id;
  }
  if (options.productId !== undefined) {
    const owner = await findAuditProductShop(db, options.productId, shopId);
    if (!owner) throw new AuditTargetNotFound(`no product ${options.productId}${options.shop !== undefined ? ` in store "${options.shop}"` : ''}`);
    return { shopId: owner.id, productId: options.productId };
  }
  return shopId !== undefined ? { shopId } : {};
}

type ImageFixes = Pick<ImageRepository, 'setMeasuredSize' | 'renumber'>;

/** Makes the asked-for repairs of one product's findings; answers the findings repaired. */
async function applyFixes(
  images: ImageFixes,
  fixes: ReadonlySet<AuditFix>,
  product: ProductToAudit,
  audited: readonly AuditedImage[],
  findings: readonly Finding[],
  clock: Clock,
): Promise<Set<Finding>> {
  const fixed = new Set<Finding>();
  const shopId = product.shop.id;
  for (const finding of findings) {
    if (fixes.has('dimensions') && finding.code === AUDIT_FIXES.dimensions) {
      const { image, file } = audited.find((entry) => entry.image.id === finding.image_id)!;
      if (file.kind !== 'read') continue;
      const size = { width: file.width, height: file.height };
      if (await images.setMeasuredSize(shopId, product.id, image.id, image.path, size, clock())) fixed.add(finding);
    } else if (fixes.has('positions') && finding.code === AUDIT_FIXES.positions) {
      if ((await images.renumber(shopId, product.id, clock())) !== 'no-product') fixed.add(finding);
    }
  }
  return fixed;
}

/** `work` over `items`, at most `limit` at once, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
