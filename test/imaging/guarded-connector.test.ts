import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchFailure } from '../../src/imaging/fetch-failure.js';
import { createGuardedConnector } from '../../src/imaging/guarded-connector.js';
import { type Origin, startOrigin } from './fixtures/origin-server.js';

function connectWith(connector: ReturnType<typeof createGuardedConnector>, hostname: string, port: number) {
  return new Promise<unknown>((resolve) => {
    connector({ hostname, protocol: 'http:', port: String(port) }, (error, socket) => {
      socket?.destroy();
      resolve(error ?? 'connected');
    });
  });
}

describe('createGuardedConnector', () => {
  let origin: Origin;
  beforeAll(async () => {
    origin = await startOrigin({});
  });
  afterAll(() => origin.close());

  it('connects when the peer is allowed', async () => {
    const connector = createGuardedConnector({ timeoutMs: 1000, isForbidden: () => false, resolve: async () => [] });
    expect(await connectWith(connector, '127.0.0.1', origin.port)).toBe('connected');
  });

  it('refuses a forbidden peer even when no name was resolved (IP literal, rebinding)', async () => {
    // An IP literal never reaches the lookup, so only the check on the connected socket stands here.
    const resolve = async () => {
      throw new Error('the lookup must not be used for an IP literal');
    };
    const connector = createGuardedConnector({ timeoutMs: 1000, isForbidden: (ip) => ip === '127.0.0.1', resolve });
    const error = await connectWith(connector, '127.0.0.1', origin.port);
    expect(error).toBeInstanceOf(FetchFailure);
    expect((error as FetchFailure).reason).toEqual({ kind: 'private-address' });
  });

  it('refuses a name before connecting when it resolves to a forbidden address', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    const connector = createGuardedConnector({ timeoutMs: 1000, isForbidden: (ip) => ip === '127.0.0.1', resolve });
    const error = await connectWith(connector, 'rebind.test', origin.port);
    expect((error as FetchFailure).reason).toEqual({ kind: 'private-address' });
  });

  it('reports a name with no address of the wanted family as not found', async () => {
    const connector = createGuardedConnector({ timeoutMs: 1000, isForbidden: () => false, resolve: async () => [] });
    const error = await connectWith(connector, 'empty.test', origin.port);
    expect((error as FetchFailure).reason).toEqual({ kind: 'host-not-found' });
  });
});
