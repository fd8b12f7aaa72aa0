import { describe, expect, it } from 'vitest';
import type { ImageFiles } from '../../src/domain/image-files.js';
import { passthroughIngestor } from '../../src/domain/ingest.js';
import type { ProductRepository } from '../../src/domain/ports.js';
import { ProductService } from '../../src/domain/product-service.js';

const NOW = '2001-02-03T04:05:06Z';

function serviceWith(deleted: string[] | null) {
  const calls: Array<{ shopId: string; productId: string; now: string }> = [];
  const released: string[][] = [];
  const products = {
    async delete(shopId: string, productId: string, now: string) {
      calls.push({ shopId, productId, now });
      return deleted;
    },
  } as unknown as ProductRepository;
  const files: ImageFiles = {
    async ensure() {},
    async release(paths) {
      released.push([...paths]);
    },
  };
  return { service: new ProductService(products, passthroughIngestor, files, () => NOW), calls, released };
}

describe('ProductService.delete', () => {
  it('takes its time from the injected clock, not the wall clock, and releases the deleted files', async () => {
    const { service, calls, released } = serviceWith(['a.jpg', 'b.png']);
    await service.delete('shop', 'product');
    expect(calls).toEqual([{ shopId: 'shop', productId: 'product', now: NOW }]);
    expect(released).toEqual([['a.jpg', 'b.png']]);
  });

  it('is a RecordNotFound when the product is missing, and releases nothing', async () => {
    const { service, released } = serviceWith(null);
    await expect(service.delete('shop', 'missing')).rejects.toMatchObject({ code: 'RecordNotFound' });
    expect(released).toEqual([]);
  });
});
