import { PassThrough, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { WireContext } from '../../contract/library-src.js';
import { badRequest } from '../../domain/errors.js';
import type { ProductService } from '../../domain/product-service.js';
import type { ShopService } from '../../domain/shop-service.js';
import { runExport } from '../../transfer/run-export.js';
import type { ImportFormat } from '../../transfer/run-import.js';
import type { ImportJobs } from './import-jobs.js';

export interface CatalogueRoutesOptions {
  imports: ImportJobs;
  shops: ShopService;
  products: ProductService;
  /** The CDN base and our own bases for a request's Host: export `src` URLs, and those an import takes as ours. */
  wire: (host: string | undefined) => WireContext;
}

const Format = Type.Union([Type.Literal('csv'), Type.Literal('jsonl')]);
const ShopParam = { shop: Type.String({ format: 'uuid' }) };
const ImportParams = Type.Object({ ...ShopParam, id: Type.String({ format: 'uuid' }) });

/** Each format's media types, the first the one an export is sent as. */
const MEDIA_TYPES: Readonly<Record<ImportFormat, readonly string[]>> = {
  // Windows browsers label a .csv file application/vnd.ms-excel.
  csv: ['text/csv', 'application/csv', 'application/vnd.ms-excel'],
  jsonl: ['application/x-ndjson', 'application/jsonl', 'application/json-lines', 'application/x-jsonlines'],
};

/**
 * Import and export from the admin page, registered inside the admin API's scope (its session and
 * CSRF check, its error answers): an import's file is the body, streamed to the data directory and
 * applied in the background (`ImportJobs`), its progress polled and its report downloaded; an export
 * is streamed as it is made.
 */
export async function registerCatalogueRoutes(api: FastifyInstance, options: CatalogueRoutesOptions): Promise<void> {
  const { imports } = options;

  await api.register(async (scope) => {
    // The file stays a stream here: it is written to disk as it arrives, never held whole.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.post(
      '/stores/:shop/imports',
      { schema: { params: Type.Object(ShopParam), querystring: Type.Object({ format: Type.Optional(Format) }) } },
      async (request, reply) => {
        const { shop } = request.params as { shop: string };
        await options.shops.byId(shop);
        const type = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
        const format = (request.query as { format?: ImportFormat }).format ?? formatOfType(type);
        if (format === null) {
          throw badRequest(`say the file's format: ?format=csv or ?format=jsonl, or Content-Type ${MEDIA_TYPES.csv[0]} or ${MEDIA_TYPES.jsonl[0]} (got ${type ?? 'none'})`);
        }
        const body = request.body as Readable | undefined;
        if (!body) throw badRequest('send the file as the body');
        const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
        const job = await imports.start({ shopId: shop, format, body, length, wire: options.wire(request.headers.host) });
        return reply.code(202).send(job);
      },
    );
  });

  api.get('/stores/:shop/imports/:id', { schema: { params: ImportParams } }, async (request) => {
    const { shop, id } = request.params as { shop: string; id: string };
    return imports.get(shop, id);
  });

  api.get('/stores/:shop/imports/:id/report', { schema: { params: ImportParams } }, async (request, reply) => {
    const { shop, id } = request.params as { shop: string; id: string };
    const store = await options.shops.byId(shop);
    const report = imports.report(shop, id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${store.subdomain}-import-report.csv"`)
      .send(report);
  });

  api.get(
    '/stores/:shop/export',
    { schema: { params: Type.Object(ShopParam), querystring: Type.Object({ format: Type.Optional(Format) }) } },
    async (request, reply) => {
      const { shop } = request.params as { shop: string };
      const store = await options.shops.byId(shop);
      const format = (request.query as { format?: ImportFormat }).format ?? 'csv';
      const out = new PassThrough();
      // Started before the answer and written as it is read: a page at a time, waiting for the client.
      runExport({ shopId: store.id, format, products: options.products, context: options.wire(request.headers.host), out }).then(
        () => {
          if (!out.writableEnded) out.end();
        },
        (err: unknown) => {
          request.log.error({ err }, 'export failed');
          out.destroy(err as Error);
        },
      );
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : `${MEDIA_TYPES.jsonl[0]}; charset=utf-8`)
        .header('content-disposition', `attachment; filename="${store.subdomain}-products.${format}"`)
        .send(out);
    },
  );
}

function formatOfType(type: string | undefined): ImportFormat | null {
  if (type === undefined) return null;
  for (const [format, types] of Object.entries(MEDIA_TYPES)) if (types.includes(type)) return format as ImportFormat;
  return null;
}
