import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { FetchFailure } from './fetch-failure.js';

/** Resolves a host name to every address it has; injectable so tests can point names anywhere. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface GuardedConnectorOptions {
  timeoutMs: number;
  /** True for addresses that must not be connected to. */
  isForbidden: (ip: string) => boolean;
  resolve: Resolve;
}

/**
 * An undici connector that refuses forbidden addresses twice: when the name is resolved (before any
 * connection is opened) and again on the connected socket's peer address. The second check is what holds
 * if resolution and connection ever disagree (DNS rebinding, an IP literal that skipped the lookup,
 * a future change in how undici or node resolves names).
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const { isForbidden, resolve } = options;
  const allowed = async (hostname: string, family: number): Promise<[LookupAddress, ...LookupAddress[]]> => {
    const found = await resolve(hostname);
    // One forbidden answer refuses the name: a host that mixes public and private addresses is
    // either misconfigured or a rebinding attempt, and picking the public one would be a gamble.
    if (found.some((entry) => isForbidden(entry.address))) throw new FetchFailure({ kind: 'private-address' });
    const usable = found.filter((entry) => family === 0 || entry.family === family);
    const [first, ...rest] = usable;
    if (first === undefined) throw new FetchFailure({ kind: 'host-not-found' });
    return [first, ...rest];
  };
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
    allowed(hostname, family).then(
      (usable) => (lookupOptions.all ? callback(null, usable) : callback(null, usable[0].address, usable[0].family)),
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
  const connect = buildConnector({ timeout: options.timeoutMs, lookup: guardedLookup });

  return (connectOptions, callback) => {
    connect(connectOptions, (error, socket) => {
      if (error !== null) return callback(error, null);
      const peer = socket.remoteAddress;
      if (peer === undefined || isForbidden(peer)) {
        socket.destroy();
        return callback(new FetchFailure({ kind: 'private-address' }), null);
      }
      callback(null, socket);
    });
  };
}
