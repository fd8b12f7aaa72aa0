import { buffer } from 'node:stream/consumers';
import { availableParallelism } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../imaging/blob-store.js';
import { type CdnService, createCdnService } from '../../imaging/cdn-service.js';
import { createSharpTransform, type ImageTransform } from '../../imaging/image-transform.js';
import { WorkQueue } from '../../imaging/work-queue.js';

export interface CdnRouteOptions {
  blobs: BlobStore;
  /** The only widths and heights a client may ask for, in pixels. */
  sizes: readonly number[];
  /** The largest original, in pixels, that is decoded to make a variant. */
  maxPixels: number;
  /** Replaces sharp; tests use it to count renders. */
  transform?: ImageTransform;
  /** The render queue (build-app.ts makes it from the settings and reads it for /metrics); default: cores, 64 waiting. */
  renders?: WorkQueue;
}

type CdnRoute = { Params: { '*': string }; Querystring: Record<string, unknown> };

/**
 * On every /cdn answer, errors included: an original is stored byte for byte, so a polyglot (a JPEG
 * that is also HTML) opened as a page by a browser that ignores its type would run nothing and load
 * nothing. Defence in depth behind `nosniff`.
 */
export const CDN_CSP = "default-src 'none'; sandbox";

/**
 * `GET`/`HEAD /cdn/<name>`: originals and resized variants. A wildcard rather than `:name` so that
 * every path below `/cdn/` (slashes, encoded or not, and names beyond the router's parameter length
 * limit, `maxParamLength` in build-app.ts, which would otherwise get Fastify's own 414) reaches the
 * one name check and gets the same 404.
 */
export function registerCdnRoutes(app: FastifyInstance, options: CdnRouteOptions): CdnService {
  const cdn = createCdnService({
    blobs: options.blobs,
    renders: options.renders ?? new WorkQueue({ concurrency: availableParallelism(), maxWaiting: 64, what: 'image renders' }),
    sizes: options.sizes,
    transform: options.transform ?? createSharpTransform({ maxPixels: options.maxPixels }),
    onStoreError: (err, name) => app.log.warn({ err, name }, 'a rendered variant could not be stored; it will be rendered again'),
  });
  // Variants still being stored must land before the stores close.
  app.addHook('onClose', () => cdn.close());

  app.route<CdnRoute>({
    method: ['GET', 'HEAD'],
    url: '/cdn/*',
    // Unlike the files, errors may change: a 404 becomes a 200 once those bytes are uploaded, a 400 when presets change.
    onSend: (_request, reply, payload, done) => {
      reply.header('content-security-policy', CDN_CSP);
      if (reply.statusCode >= 400) reply.header('cache-control', 'no-store');
      done(null, payload);
    },
    handler: async (request, reply) => {
      const { headers } = request;
      // The response closing before it finished means the client went away; watched only once a
      // render is needed.
      let gone: AbortController | undefined;
      const clientGone = () => {
        if (gone) return gone.signal;
        const watching = (gone = new AbortController());
        const leave = () => watching.abort(new Error('the client went away'));
        if (reply.raw.destroyed) leave();
        else reply.raw.once('close', () => reply.raw.writableFinished || leave());
        return watching.signal;
      };
      const response = await cdn.serve({
        name: request.params['*'],
        query: request.query,
        method: request.method === 'HEAD' ? 'HEAD' : 'GET',
        accept: headers.accept,
        ifNoneMatch: headers['if-none-match'],
        range: headers.range,
        ifRange: joinedHeader(headers['if-range']),
        clientGone,
      }).catch((err: unknown) => {
        // Nobody is left to answer: no error to render, no failure to log.
        if (gone?.signal.aborted) return undefined;
        throw err;
      });
      if (response === undefined) return reply.hijack();
      if (response === null) return reply.callNotFound();
      return reply.code(response.status).headers(response.headers).send(response.body ?? undefined);
    },
  });
  return cdn;
}

/** The whole file a plain GET of `/cdn/<name>?<query>` answers, or null when that is not a 200. */
export async function cdnBytes(cdn: CdnService, name: string, query: Readonly<Record<string, string>>): Promise<Buffer | null> {
  const response = await cdn.serve({ name, query, method: 'GET', accept: undefined, ifNoneMatch: undefined, range: undefined, ifRange: undefined });
  if (response === null || response.status !== 200 || response.body === null) return null;
  return Buffer.isBuffer(response.body) ? response.body : buffer(response.body);
}

/** A header as one string, joined with ', ' as Node itself joins most repeated headers (If-Range among them). */
function joinedHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
