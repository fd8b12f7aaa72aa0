import type { WireContext } from '../contract/library-src.js';

export interface WireContextOptions {
  /** PRODIMG_CDN_HOST: host[:port][/path] that serves stored files, when set. */
  cdnHost: string | undefined;
  /** PRODIMG_PUBLIC_URL as `//host[:port][/path]`, when set. */
  publicUrl: string | undefined;
  /** host:port this server listens at, once known. */
  listenAddress: (() => string) | undefined;
}

/**
 * The CDN base of each request's answers: `//<PRODIMG_CDN_HOST>` when set, else this server's own
 * `/cdn` at the Host the client used (so two servers, or `--host 0.0.0.0`, each hand a client URLs it
 * can reach). Without a Host (no request at all, or HTTP/1.0): PRODIMG_CDN_HOST, else
 * PRODIMG_PUBLIC_URL, else the listen address. Any of these are taken as our own CDN when a client
 * sends one of its URLs back.
 */
export function wireContexts(options: WireContextOptions): (host: string | undefined) => WireContext {
  const own = (host: string | undefined) => (host ? `//${host}/cdn` : undefined);
  const listenBase = () => own(options.listenAddress?.()) ?? '//localhost/cdn';
  const publicBase = options.publicUrl === undefined ? undefined : `${options.publicUrl}/cdn`;
  const listening = () => publicBase ?? listenBase();
  if (options.cdnHost !== undefined) {
    const cdnBase = `//${options.cdnHost}`;
    return (host) => ({ cdnBase, ownBases: unique([cdnBase, own(host), publicBase, listenBase()]) });
  }
  return (host) => {
    const cdnBase = own(host) ?? listening();
    return { cdnBase, ownBases: unique([cdnBase, publicBase, listenBase()]) };
  };
}

function unique(bases: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(bases.filter((base): base is string => base !== undefined))];
}
