import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { ShopService } from '../../src/domain/shop-service.js';
import { createRepositories } from '../../src/storage/repositories.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';
import { WAIT_MS, waitsTimeout } from '../support/waiting.js';
import { cliEnv, type ServeProcess, startServe } from './support-server.js';

/**
 * Two `prodimg serve` processes sharing one Redis for their rate-limit buckets, against a Redis this
 * test starts on a spare port and stops mid-test (never the machine's own). The app bucket holds 10
 * and leaks one request per 100 s, so what is accepted is exactly what fits.
 */

const LIMITS = 'app:10/0.01,store:100/1';

async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Our own redis-server, answering PING before this resolves (polled: it takes a moment to listen). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return child;
    } catch {
      if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
      if (performance.now() > deadline) throw new Error(`redis-server on ${port} did not answer in ${WAIT_MS} ms`);
      await sleep(50);
    } finally {
      client.disconnect();
    }
  }
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe.each(DIALECTS)('rate limits shared through Redis by two server processes on %s', (dialect) => {
  let db: TestDatabase;
  let redis: ChildProcess | undefined;
  let port: number;
  const servers: ServeProcess[] = [];
  let token: string;

  beforeAll(async () => {
    port = await sparePort();
    redis = await startRedis(port);
    db = await freshDatabase(dialect);
    const repos = createRepositories(db.database);
    const shops = new ShopService(repos.shops, repos.tokens, systemClock);
    await shops.create('alpha');
    token = (await shops.createToken('alpha', ['read_product'], { rateLimited: true })).token;
    const env = cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra: { REDIS_URL: `redis://127.0.0.1:${port}`, PRODIMG_RATE_LIMIT: LIMITS } });
    servers.push(await startServe(env), await startServe(env));
  }, waitsTimeout(3));
  afterAll(async () => {
    for (const server of servers) server.kill();
    if (redis) await stopRedis(redis);
    await db?.drop();
  });

  const count = async (server: ServeProcess) => {
    const res = await request(`${server.base}/openapi/2022-01/products/count`, { headers: { 'access-token': token } });
    await res.body.text();
    return { status: res.statusCode, limit: res.headers['x-shoplazza-api-call-limit'] as string | undefined };
  };

  it('accepts exactly what fits in the one bucket, however the requests are spread over the servers', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => count(servers[i % 2]!)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(20);
    expect(answers.every((a) => /^\d+\/10$/.test(a.limit ?? ''))).toBe(true);
  });

  it('goes on without limits while Redis is away (fail-open, no hang), and limits again once it is back', async () => {
    await stopRedis(redis!);
    for (const server of servers) {
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const answer = await count(server);
        expect(answer).toEqual({ status: 200, limit: undefined });
        expect(performance.now() - started).toBeLessThan(WAIT_MS);
      }
      await server.waitForLog('rate limits not applied: their store (Redis) is not answering');
    }
    redis = await startRedis(port);
    // Each server reconnects by itself (retrying every 2 s at most): wait for the level header to come back.
    for (const server of servers) {
      const deadline = performance.now() + WAIT_MS;
      while ((await count(server)).limit === undefined) {
        if (performance.now() > deadline) throw new Error(`server ${server.base} never used Redis again`);
        await sleep(100);
      }
    }
    // The new Redis started empty, and the two requests above are in its bucket.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => count(servers[i % 2]!)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(8);
  }, waitsTimeout(4));
});
