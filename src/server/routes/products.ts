import type { FastifyInstance } from 'fastify';
import { parseProductCreate, parseProductUpdate } from '../../contract/product-body.js';
import { productJson } from '../../contract/product-json.js';
import { parseProductQuery } from '../../contract/product-query.js';
import { CountEnvelope, EmptyEnvelope, ProductEnvelope, ProductsEnvelope } from '../../contract/schemas.js';
import { parsePathIds } from '../../contract/uuid.js';
import type { ProductService } from '../../domain/product-service.js';

type ProductParams = { Params: { product_id: string } };

const read = { scope: 'read_product' } as const;
const write = { scope: 'write_product' } as const;

export function productRoutes(app: FastifyInstance, products: ProductService): void {
  app.get<{ Querystring: Record<string, unknown> }>('/products', { config: read, schema: { response: { 200: ProductsEnvelope } } }, async (request) => {
    const page = await products.list(request.grant.shopId, parseProductQuery(request.query));
    return { cursor: page.cursor, pre_cursor: page.preCursor, products: page.products.map(productJson) };
  });

  app.get('/products/count', { config: read, schema: { response: { 200: CountEnvelope } } }, async (request) => {
    return { count: await products.count(request.grant.shopId) };
  });

  app.get<ProductParams>('/products/:product_id', { config: read, schema: { response: { 200: ProductEnvelope } } }, async (request) => {
    const { productId } = parsePathIds(request.params, false);
    return { product: productJson(await products.get(request.grant.shopId, productId)) };
  });

  app.post('/products', { config: write, schema: { response: { 200: ProductEnvelope } } }, async (request) => {
    const input = parseProductCreate(request.body);
    return { product: productJson(await products.create(request.grant.shopId, input)) };
  });

  app.put<ProductParams>('/products/:product_id', { config: write, schema: { response: { 200: ProductEnvelope } } }, async (request) => {
    const { productId } = parsePathIds(request.params, false);
    const patch = parseProductUpdate(request.body);
    return { product: productJson(await products.update(request.grant.shopId, productId, patch)) };
  });

  app.delete<ProductParams>('/products/:product_id', { config: write, schema: { response: { 200: EmptyEnvelope } } }, async (request) => {
    const { productId } = parsePathIds(request.params, false);
    await products.delete(request.grant.shopId, productId);
    return {};
  });
}
