import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { startProdimg, type ProdimgStandIn } from '../../src/index.js';
import { makeJpeg } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';

describe("a stand-in with ingest: 'fetch'", () => {
  let origin: Origin;
  let server: ProdimgStandIn;
  beforeAll(async () => {
    // A file no other image of the seed uses: deleting its image releases it.
    origin = await startOrigin({ '/shirt.jpg': send(await makeJpeg(57, 31), 'image/jpeg') });
    server = await startProdimg({
      ingest: 'fetch',
      seed: { shops: [{ subdomain: 'fetching', tokens: [{ token: 'fetching-token' }], products: [{ title: 'Shirt', images: [{ src: origin.url('/shirt.jpg') }] }] }] },
    });
  });
  afterAll(async () => {
    await server.close();
    await origin.close();
  });

  it('downloads and measures the seed images, and a reset brings back a file a test released', async () => {
    const client = createClient({ baseUrl: server.url, token: 'fetching-token' });
    const [product] = (await client.products.list()).products;
    const image = (await client.images.list(product!.id!))[0]!;
    expect(image).toMatchObject({ width: 57, height: 31 });
    expect(image.src).toMatch(/\/cdn\/[0-9a-f]{32}\.jpg$/);
    const file = () => fetch(new URL(image.src, server.url));
    expect((await file()).status).toBe(200);

    await client.images.delete(product!.id!, image.id);
    // The image was the file's only user: it is gone from the library.
    expect((await file()).status).toBe(404);

    await server.reset();
    expect(await client.images.get(product!.id!, image.id)).toEqual(image);
    const back = await file();
    expect(back.status).toBe(200);
    expect(back.headers.get('content-type')).toBe('image/jpeg');
  });
});
