import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminAuth, AdminSession } from '../../domain/admin-auth.js';
import { ADMIN_SESSION_MS, mayManage } from '../../domain/admin-auth.js';
import { DomainError, recordNotFound, unauthorized } from '../../domain/errors.js';
import type { ImageService } from '../../domain/image-service.js';
import type { ProductService } from '../../domain/product-service.js';
import type { ShopService } from '../../domain/shop-service.js';
import type { VariantService } from '../../domain/variant-service.js';
import { errorAnswer } from '../../contract/error-catalogue.js';
import type { BlobStore } from '../../imaging/blob-store.js';
import type { StoredCheckedImage } from '../../imaging/store-checked.js';
import { ClientGone } from '../../storage/client-gone.js';
import { databaseUnreachable } from '../database-unreachable.js';
import { clientGone } from '../errors-plugin.js';
import { storageFailure } from '../storage-failure.js';
import { clearedCookie, sessionCookie, sessionIdOf } from './admin-cookie.js';
import type { AuditProblem } from '../../domain/image-audit.js';
import { galleryOf, galleryProblem, storeAuditEntries } from './gallery.js';
import { type CatalogueRoutesOptions, registerCatalogueRoutes } from './catalogue-routes.js';
import { type SignInThrottle, throttledSignIn } from '../sign-in-throttle.js';

/** Endpoints outside the platform's contract live under this prefix; the admin page's are below it. */
export const ADMIN_API = '/__prodimg/admin/api';

export interface AdminApiOptions {
  auth: AdminAuth;
  /** Wrong keys per address, shared with the OAuth consent page's sign-in. */
  throttle: SignInThrottle;
  shops: ShopService;
  products: ProductService;
  images: ImageService;
  variants: VariantService;
  blobs: BlobStore;
  /** Checks and stores an uploaded file in the library. */
  upload: (bytes: Buffer, contentType: string | undefined) => Promise<StoredCheckedImage>;
  /** Our CDN's base for a request's Host (`//host/cdn`). */
  cdnBase: (host: string | undefined) => string;
  variantSizes: readonly number[];
  maxUploadBytes: number;
  /** The image audit of a store (by subdomain) or of one of its products (src/audit/run-audit.ts). */
  audit: (scope: { shop: string; productId?: string }) => AsyncIterable<AuditProblem>;
  /** Import and export of a store's products (catalogue-routes.ts). */
  catalogue: CatalogueRoutesOptions;
}

/** The most problems the store-wide audit lists (errors first); the counts cover them all. */
export const STORE_AUDIT_LISTED = 100;

declare module 'fastify' {
  interface FastifyRequest {
    adminSession?: AdminSession;
  }
}

const PRODUCTS_PER_PAGE = 20;
/** The routes without a `:shop` that a store-limited session may use: its session, and the list of (its) stores. */
const STORE_FREE_ROUTES = new Set([`${ADMIN_API}/session`, `${ADMIN_API}/stores`]);
const Params = { shop: Type.String({ format: 'uuid' }), product: Type.String({ format: 'uuid' }) };

/**
 * The JSON endpoints the admin page (web/admin) calls. A session cookie signs the browser in; every
 * write also needs the session's CSRF token in `X-CSRF-Token`. Never a store's access token, in a
 * URL or anywhere: the page acts as the server's administrator. Image changes go through the same
 * services as the API's operations.
 */
export async function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { auth } = options;
  await app.register(
    async (api) => {
      api.setErrorHandler((error, request, reply) => {
        if (error instanceof ClientGone) return clientGone(request, reply);
        // A full or read-only disk is the API's 507 or 503 here too (storage-failure.ts), a database out of
        // reach its 503 (database-unreachable.ts), not an unexpected failure.
        const known = error instanceof DomainError ? error : (storageFailure(error) ?? databaseUnreachable(error) ?? fastifyError(error));
        if (known?.code === 'InsufficientStorage') request.log.error({ err: error }, 'storage full');
        if (known?.code === 'StorageUnavailable') request.log.error({ err: error }, 'storage refuses writes');
        if (known?.code === 'DatabaseUnavailable') request.log.error({ err: error }, 'database not answering');
        if (!known) {
          request.log.error({ err: error }, 'unexpected failure');
          return reply.code(500).send({ errors: ['Internal Server Error'] });
        }
        const answer = errorAnswer('classic', known.code, known.messages, known.facts);
        const body = answer.body as { errors?: string[]; error?: string };
        // The classic family's 422 for a missing record copies the platform; this page copies no one.
        const status = known.code === 'RecordNotFound' ? 404 : answer.status;
        return reply.code(status).headers(answer.headers).send({ errors: body.errors ?? [body.error ?? known.code] });
      });
      api.setNotFoundHandler((_request, reply) => reply.code(404).send({ errors: ['Not Found'] }));
      // An upload's body is the file itself; nothing else here takes a body but JSON.
      for (const type of ['application/octet-stream', /^image\//]) {
        api.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: options.maxUploadBytes }, (_request, body, done) => done(null, body));
      }
      api.addHook('onRequest', async (request, reply) => {
        reply.header('cache-control', 'no-store');
        if (request.url === `${ADMIN_API}/session` && request.method === 'POST') return;
        request.adminSession = await auth.session(sessionIdOf(request.headers.cookie));
        const write = request.method !== 'GET' && request.method !== 'HEAD';
        if (write && !auth.checkCsrf(request.adminSession, header(request, 'x-csrf-token'))) {
          return reply.code(403).send({ errors: ['a change needs this session\'s X-CSRF-Token header'] });
        }
        // A key limited to one store: any other store, and any route that is not about one store
        // (beyond the session and the list of stores), answers as an unknown store does (404), so
        // it learns nothing of what else the server holds.
        if (request.adminSession.shopId !== null) {
          const shop = (request.params as { shop?: unknown } | undefined)?.shop;
          const allowed = typeof shop === 'string' ? mayManage(request.adminSession, shop) : STORE_FREE_ROUTES.has(request.routeOptions.url ?? '');
          if (!allowed) throw recordNotFound();
        }
      });

      api.post('/session', { schema: { body: Type.Object({ key: Type.String({ maxLength: 200 }) }) } }, async (request, reply) => {
        let signedIn;
        try {
          signedIn = await throttledSignIn(options.throttle, request.ip, request.log, () => auth.signIn((request.body as { key: string }).key.trim()));
        } catch (error) {
          reply.header('set-cookie', clearedCookie(isHttps(request)));
          throw error;
        }
        reply.header('set-cookie', sessionCookie(signedIn.sessionId, ADMIN_SESSION_MS, isHttps(request)));
        return sessionJson(signedIn.session);
      });
      api.get('/session', async (request) => sessionJson(request.adminSession!));
      api.delete('/session', async (request, reply) => {
        await auth.signOut(sessionIdOf(request.headers.cookie));
        reply.header('set-cookie', clearedCookie(isHttps(request)));
        return reply.code(204).send();
      });

      api.get('/stores', async (request) => ({
        stores: (await options.shops.list()).filter((shop) => mayManage(request.adminSession!, shop.id)).map((shop) => ({ id: shop.id, subdomain: shop.subdomain, name: shop.name, active: shop.active })),
      }));

      api.get(
        '/stores/:shop/products',
        { schema: { params: Type.Object({ shop: Params.shop }), querystring: Type.Object({ title: Type.Optional(Type.String({ maxLength: 255 })), cursor: Type.Optional(Type.String({ maxLength: 1000 })), pre_cursor: Type.Optional(Type.String({ maxLength: 1000 })) }) } },
        async (request) => {
          const { shop } = request.params as { shop: string };
          const query = request.query as { title?: string; cursor?: string; pre_cursor?: string };
          const store = await options.shops.byId(shop);
          const page = await options.products.list(shop, {
            perPage: PRODUCTS_PER_PAGE,
            ...(query.cursor ? { cursor: query.cursor } : {}),
            ...(query.pre_cursor ? { preCursor: query.pre_cursor } : {}),
            filter: query.title ? { title: query.title } : {},
          });
          return {
            store: { id: store.id, subdomain: store.subdomain, name: store.name },
            products: page.products.map((product) => ({ id: product.id, title: product.title, images: product.images.length })),
            cursor: page.cursor,
            pre_cursor: page.preCursor,
          };
        },
      );

      // The store-wide audit: the worst problems first (errors, then warnings, each in catalogue
      // order), at most STORE_AUDIT_LISTED, with the counts of all.
      api.get('/stores/:shop/audit', { schema: { params: Type.Object({ shop: Params.shop }) } }, async (request) => {
        const { shop } = request.params as { shop: string };
        const store = await options.shops.byId(shop);
        const listed = { error: [] as AuditProblem[], warning: [] as AuditProblem[] };
        const counts = { errors: 0, warnings: 0 };
        for await (const problem of options.audit({ shop: store.subdomain })) {
          if (problem.severity === 'error') counts.errors++;
          else counts.warnings++;
          const list = listed[problem.severity];
          if (list.length < STORE_AUDIT_LISTED) list.push(problem);
        }
        const problems = [...listed.error, ...listed.warning].slice(0, STORE_AUDIT_LISTED);
        const readProduct = (id: string) => options.products.get(shop, id).catch(missingAsNull);
        const use = { cdnBase: options.cdnBase(request.headers.host), sizes: options.variantSizes };
        return { ...counts, problems: await storeAuditEntries(problems, readProduct, use) };
      });

      const productParams = { schema: { params: Type.Object(Params) } };
      api.get('/stores/:shop/products/:product', productParams, async (request) => {
        const { shop, product } = request.params as { shop: string; product: string };
        const found = await options.products.get(shop, product);
        const variants = await options.variants.list(shop, product);
        const problems: AuditProblem[] = [];
        for await (const problem of options.audit({ shop: (await options.shops.byId(shop)).subdomain, productId: product })) problems.push(problem);
        return {
          product: { id: found.id, title: found.title },
          images: await galleryOf(found.images, variants, problems, { blobs: options.blobs, cdnBase: options.cdnBase(request.headers.host), sizes: options.variantSizes }),
          // The product's own problems (positions, a variant's missing image).
          problems: problems.filter((problem) => problem.image_id === null).map(galleryProblem),
          variants: variants.map((variant) => ({ id: variant.id, title: variant.title, image_id: variant.image_id })),
        };
      });

      const imageParams = Type.Object({ ...Params, image: Type.String({ format: 'uuid' }) });
      api.put(
        '/stores/:shop/products/:product/images/:image',
        { schema: { params: imageParams, body: Type.Object({ position: Type.Optional(Type.Integer({ minimum: 1 })), alt: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }) } },
        async (request) => {
          const { shop, product, image } = request.params as { shop: string; product: string; image: string };
          await options.images.update(shop, product, image, request.body as { position?: number; alt?: string });
          return { ok: true };
        },
      );
      api.delete('/stores/:shop/products/:product/images/:image', { schema: { params: imageParams } }, async (request, reply) => {
        const { shop, product, image } = request.params as { shop: string; product: string; image: string };
        await options.images.delete(shop, product, image);
        return reply.code(204).send();
      });
      api.post(
        '/stores/:shop/products/:product/images',
        { schema: { params: Type.Object(Params), body: Type.Object({ src: Type.String({ minLength: 1, maxLength: 2048 }), alt: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }) } },
        async (request, reply) => {
          const { shop, product } = request.params as { shop: string; product: string };
          const body = request.body as { src: string; alt?: string };
          const created = await options.images.create(shop, product, { src: body.src, alt: body.alt ?? '', width: 0, height: 0 });
          return reply.code(201).send({ id: created.id });
        },
      );
      api.post(
        '/stores/:shop/products/:product/uploads',
        { bodyLimit: options.maxUploadBytes, schema: { params: Type.Object(Params), querystring: Type.Object({ alt: Type.Optional(Type.String({ maxLength: 512 })) }) } },
        async (request, reply) => {
          const { shop, product } = request.params as { shop: string; product: string };
          if (!Buffer.isBuffer(request.body)) throw new DomainError('BadRequest', ['send the file as the body, with Content-Type image/* or application/octet-stream']);
          // Refuse an unknown product before storing anything for it.
          await options.images.count(shop, product);
          const stored = await options.upload(request.body, header(request, 'content-type'));
          // Created from its library name: the same path as an API client re-sending our CDN's URL.
          const created = await options.images.create(shop, product, { src: stored.name, alt: (request.query as { alt?: string }).alt ?? '', width: stored.width, height: stored.height });
          return reply.code(201).send({ id: created.id });
        },
      );
      await registerCatalogueRoutes(api, options.catalogue);
      api.put(
        '/stores/:shop/products/:product/variants/:variant',
        { schema: { params: Type.Object({ ...Params, variant: Type.String({ format: 'uuid' }) }), body: Type.Object({ image_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) } },
        async (request) => {
          const { shop, variant } = request.params as { shop: string; variant: string };
          await options.variants.update(shop, variant, { image_id: (request.body as { image_id: string }).image_id });
          return { ok: true };
        },
      );
    },
    { prefix: ADMIN_API },
  );
}

/** A product deleted since the audit read it is listed without its facts. */
function missingAsNull(error: unknown): null {
  if (error instanceof DomainError && error.code === 'RecordNotFound') return null;
  throw error;
}

function sessionJson(session: AdminSession) {
  return { csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString() };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/** Fastify's own refusals (schema, body size, content type) in the closed set. */
function fastifyError(error: unknown): DomainError | null {
  const { statusCode, code, message, validationContext } = error as { statusCode?: number; code?: string; message?: string; validationContext?: string };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) return new DomainError('PayloadTooLarge', ['the file is larger than PRODIMG_MAX_SOURCE_MB']);
  // A path whose id is malformed (hand-typed, cut short) names nothing: the 404 of an id that names no record.
  if (code === 'FST_ERR_VALIDATION' && validationContext === 'params') return recordNotFound();
  if (statusCode === 400 && error instanceof Error) return new DomainError(code === 'FST_ERR_VALIDATION' ? 'Validation' : 'BadRequest', [message ?? 'bad request']);
  if (statusCode === 401) return unauthorized();
  return null;
}

