import type { Config } from '../config.js';
import type { WireContext } from '../contract/library-src.js';
import type { Shop } from '../domain/entities.js';
import type { ProductService } from '../domain/product-service.js';
import type { ImageLibrary } from '../image-library.js';
import type { Database } from '../storage/database.js';
import type { ImportJournal } from '../storage/import-journal.js';
import type { CatalogueWriter } from '../transfer/catalogue-writer.js';
import { UsageError, withDatabase } from './context.js';

export interface CatalogueContext {
  config: Config;
  database: Database;
  shop: Shop;
  products: ProductService;
  journal: ImportJournal;
  writer: CatalogueWriter;
  library: ImageLibrary;
  /** The CDN base `src` URLs are written with and recognised by, as a server answers without a Host. */
  wire: WireContext;
}

/** The port `prodimg serve` listens at by default: the CDN base of a CLI with no public URL set. */
const DEFAULT_ADDRESS = 'localhost:8080';

/** Runs a command body that reads or writes one store's catalogue, with the image library of this process. */
export function withCatalogue<T>(subdomain: string, body: (ctx: CatalogueContext) => Promise<T>): Promise<T> {
  return withDatabase(async ({ config, database }) => {
    const [{ systemClock }, { ProductService }, { createRepositories }, { ImportJournal }, { CatalogueWriter }, { openImageLibrary }, { wireContexts }] =
      await Promise.all([
        import('../domain/clock.js'),
        import('../domain/product-service.js'),
        import('../storage/repositories.js'),
        import('../storage/import-journal.js'),
        import('../transfer/catalogue-writer.js'),
        import('../image-library.js'),
        import('../server/wire-context.js'),
      ]);
    const repositories = createRepositories(database);
    const shop = await repositories.shops.find(subdomain);
    if (!shop) throw new UsageError(`no store "${subdomain}": create it first with prodimg shops create ${subdomain}`);
    const library = await openImageLibrary(config, database, { isUsed: (path) => repositories.images.isPathUsed(path) });
    try {
      const wire = wireContexts({ cdnHost: config.cdnHost, publicUrl: config.publicUrl, listenAddress: () => DEFAULT_ADDRESS })(undefined);
      const products = new ProductService(repositories.products, library.ingestor, library.files, systemClock);
      const journal = new ImportJournal(database.db);
      const writer = new CatalogueWriter({ products, journal, blobs: library.stored, wire, clock: systemClock });
      return await body({ config, database, shop, products, journal, writer, library, wire });
    } finally {
      await library.close();
    }
  });
}
