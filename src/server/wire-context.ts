import type { WireContext } from '../contract/library-src.js';

export interface WireContextOptions {
  /** PRODIMG_CDN_HOST: host[:port][/path] that serves stored files, when set. */
  cdnHost: string | undefined;
  /** host:port this server listens at, once known. */
  listenAddress: (() => string) | undefined;
}

/**
 * The CDN base of each request's answers: `//<PRODIMG_CDN_HOST>` when set, else this server's own
 * `/cdn` at the Host the client used (so two servers, or `--host 0.0.0.0`, each hand a client URLs it
 * can reach), else at the listen address (HTTP/1.0 without Host). Any of these, and the listen
 * address, are taken as our own CDN when a client sends one of its URLs back.
 */
export function wireContexts(options: WireContextOptions): (host: string | undefined) => WireContext {
  const own = (host: string | undefined) => (host ? `//${host}/cdn` : undefined);
  const listening = () => own(options.listenAddress?.()) ?? '//localhost/cdn';
  if (options.cdnHost !== undefined) {
    const cdnBase = `//${options.cdnHost}`;
    return (host) => ({ cdnBase, ownBases: unique([cdnBase, own(host), listening()]) });
  }
  return (host) => {
    const cdnBase = own(host) ?? listening();
    return { cdnBase, ownBases: unique([cdnBase, listening()]) };
  };
}

function unique(bases: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(bases.filter((base): base is string => base !== undefined))];
}
