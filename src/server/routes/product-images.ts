import type { FastifyInstance } from 'fastify';
import { parseImageCreate, parseImageUpdate } from '../../contract/image-body.js';
import { CountEnvelope, EmptyEnvelope, ImageEnvelope, ImagesEnvelope } from '../../contract/schemas.js';
import { parsePathIds } from '../../contract/uuid.js';
import type { ImageService } from '../../domain/image-service.js';
import { type HotAnswers, JSON_TYPE } from '../hot-answers.js';

type ProductParams = { Params: { product_id: string } };
type ImageParams = { Params: { product_id: string; image_id: string } };

const read = { scope: 'read_product' } as const;
const write = { scope: 'write_product' } as const;

/** The two reads that repeat most are serialised once per cached result and kept for `hot` to answer. */
export function productImageRoutes(app: FastifyInstance, images: ImageService, hot: HotAnswers): void {
  app.get<ProductParams>('/products/:product_id/images', { config: read, schema: { response: { 200: ImagesEnvelope } } }, async (request, reply) => {
    const { productId } = parsePathIds(request.params, false);
    const list = await images.list(request.grant.shopId, productId);
    return reply.type(JSON_TYPE).send(hot.body(list, () => reply.serialize({ images: list })));
  });

  app.get<ProductParams>('/products/:product_id/images/count', { config: read, schema: { response: { 200: CountEnvelope } } }, async (request) => {
    const { productId } = parsePathIds(request.params, false);
    return { count: await images.count(request.grant.shopId, productId) };
  });

  app.get<ImageParams>('/products/:product_id/images/:image_id', { config: read, schema: { response: { 200: ImageEnvelope } } }, async (request, reply) => {
    const { productId, imageId } = parsePathIds(request.params, true);
    const image = await images.get(request.grant.shopId, productId, imageId);
    return reply.type(JSON_TYPE).send(hot.body(image, () => reply.serialize({ image })));
  });

  app.post<ProductParams>('/products/:product_id/images', { config: write, schema: { response: { 200: ImageEnvelope } } }, async (request) => {
    const { productId } = parsePathIds(request.params, false);
    const input = parseImageCreate(request.body);
    return { image: await images.create(request.grant.shopId, productId, input) };
  });

  app.put<ImageParams>('/products/:product_id/images/:image_id', { config: write, schema: { response: { 200: ImageEnvelope } } }, async (request) => {
    const { productId, imageId } = parsePathIds(request.params, true);
    const patch = parseImageUpdate(request.body);
    return { image: await images.update(request.grant.shopId, productId, imageId, patch) };
  });

  app.delete<ImageParams>('/products/:product_id/images/:image_id', { config: write, schema: { response: { 200: EmptyEnvelope } } }, async (request) => {
    const { productId, imageId } = parsePathIds(request.params, true);
    await images.delete(request.grant.shopId, productId, imageId);
    return {};
  });
}
