import { makeJpeg, makePng, makeWebp } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { startApi } from '../support/api.js';
import type { TestDatabase } from '../support/databases.js';
import type { DialectName } from '../../src/storage/dialect-name.js';

/** A library of real images made through the API, its server closed, its database kept. */
export interface BlobLibrary {
  db: TestDatabase;
  /** The files the ingestion stored, by name: three originals. */
  originals: string[];
  /** A variant the CDN rendered and stored: `<hash>_100x.jpg`. */
  variant: string;
  drop(): Promise<void>;
}

/**
 * Three images downloaded through POST .../images into the local store (PRODIMG_BLOB_STORE=local,
 * whatever the database), and one variant asked of /cdn. Closing the app waits for the variant to
 * be stored, so every file is in place when this resolves.
 */
export async function makeBlobLibrary(dialect: DialectName): Promise<BlobLibrary> {
  const origin: Origin = await startOrigin({
    '/a.jpg': send(await makeJpeg(300, 200), 'image/jpeg'),
    '/b.png': send(await makePng(240, 160), 'image/png'),
    '/c.webp': send(await makeWebp(200, 200), 'image/webp'),
  });
  const api = await startApi(dialect, { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_BLOB_STORE: 'local' } });
  try {
    const created = await api.call('POST', 'products', {
      product: { title: 'Lamp', images: ['/a.jpg', '/b.png', '/c.webp'].map((path) => ({ src: origin.url(path) })) },
    });
    if (created.statusCode !== 200) throw new Error(`product create failed: ${created.body}`);
    const originals: string[] = created.json().product.images.map((image: { src: string }) => image.src.split('/').pop()!);
    const variant = originals[0]!.replace('.jpg', '_100x.jpg');
    const rendered = await api.call('GET', `/cdn/${variant}`);
    if (rendered.statusCode !== 200) throw new Error(`variant ${variant} answered ${rendered.statusCode}`);
    await api.app.close();
    return { db: api.db, originals, variant, drop: () => api.db.drop() };
  } catch (error) {
    await api.close();
    throw error;
  } finally {
    await origin.close();
  }
}
