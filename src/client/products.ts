import { ROUTES } from './generated/routes.js';
import type { Send } from './transport.js';
import type { CountData, ListedProduct, NewProduct, Product, ProductChanges, ProductCountQuery, ProductData, ProductListQuery, ProductPage } from './types.js';

/** The store's products: `/products`. */
export function productsResource(send: Send) {
  const one = (productId: string) => ({ ids: { product_id: productId } });
  const list = async (query: ProductListQuery = {}): Promise<ProductPage> => (await send(ROUTES.listProducts, { query })) as ProductPage;
  return {
    /** One page, oldest first, with the `cursor` of the next page ('' on the last) and the `pre_cursor` of the one before. */
    list,
    /**
     * Every product matching `query`, page after page (`per_page` at a time), following each page's
     * `cursor` until a page answers none. A `cursor` in `query` starts from that page.
     */
    async *iterate(query: Omit<ProductListQuery, 'pre_cursor'> = {}): AsyncGenerator<ListedProduct, void, undefined> {
      let page = await list(query);
      yield* page.products;
      // '' on the last page; a missing cursor ends it too, rather than asking for the first page again.
      while (page.cursor) {
        page = await list({ ...query, cursor: page.cursor });
        yield* page.products;
      }
    },
    async count(query: ProductCountQuery = {}): Promise<number> {
      return ((await send(ROUTES.countProducts, { query })) as CountData).count;
    },
    async get(productId: string): Promise<Product> {
      return ((await send(ROUTES.getProduct, one(productId))) as ProductData).product;
    },
    /** Creates a product, with its images (each `src` downloaded by the server) and variants. */
    async create(fields: NewProduct): Promise<Product> {
      return ((await send(ROUTES.createProduct, { body: { product: fields } })) as ProductData).product;
    },
    /** Changes a product; with `images` (or `variants`), the list is the product's whole gallery (or set of variants) in order. */
    async update(productId: string, fields: ProductChanges): Promise<Product> {
      return ((await send(ROUTES.updateProduct, { ...one(productId), body: { product: fields } })) as ProductData).product;
    },
    /** Deletes the product with its images and variants. */
    async delete(productId: string): Promise<void> {
      await send(ROUTES.deleteProduct, one(productId));
    },
  };
}

export type ProductsResource = ReturnType<typeof productsResource>;
