import { Agent, request } from 'undici';
import { isForbiddenAddress } from '../../imaging/address-guard.js';
import { FetchFailure } from '../../imaging/fetch-failure.js';
import { createGuardedConnector, type Resolve, systemResolve } from '../../imaging/guarded-connector.js';
import type { AttemptOutcome } from '../../storage/webhook-deliveries.js';

export interface WebhookSenderOptions {
  /** PRODIMG_ALLOW_PRIVATE_SOURCES: lifts the address guard, as for image sources. */
  allowPrivate: boolean;
  /** The whole attempt: connection, request and answer. */
  timeoutMs: number;
  resolve?: Resolve;
}

export interface WebhookSender {
  send(address: string, body: Buffer, headers: Record<string, string>): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

/**
 * POSTs deliveries through the image library's address guard (refused before connecting and again
 * on the connected peer), within one time limit, following no redirect: a 2xx is delivered, anything
 * else is a failed attempt with its reason in words.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const isForbidden = options.allowPrivate ? () => false : isForbiddenAddress;
  const agent = new Agent({
    connect: createGuardedConnector({ timeoutMs: options.timeoutMs, isForbidden, resolve: options.resolve ?? systemResolve }),
    keepAliveTimeout: 4_000,
  });
  return {
    async send(address, body, headers) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      try {
        const response = await request(address, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', 'user-agent': 'prodimg-webhooks', ...headers },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        // The answer's body is not wanted, only its end (a kept-alive connection needs it read).
        await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        const { statusCode } = response;
        if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, durationMs: elapsed() };
        return { ok: false, statusCode, error: `answered ${statusCode}`, durationMs: elapsed() };
      } catch (err) {
        return { ok: false, statusCode: null, error: describe(err, options.timeoutMs), durationMs: elapsed() };
      }
    },
    close: () => agent.destroy().catch(() => undefined),
  };
}

function describe(err: unknown, timeoutMs: number): string {
  const error = err as Error & { code?: string; cause?: unknown };
  const failure = err instanceof FetchFailure ? err : error.cause instanceof FetchFailure ? error.cause : undefined;
  if (failure?.reason.kind === 'private-address') return 'address is private (PRODIMG_ALLOW_PRIVATE_SOURCES=1 allows it)';
  if (failure?.reason.kind === 'host-not-found') return 'host not found';
  if (error.name === 'TimeoutError' || error.name === 'AbortError' || /timeout/i.test(error.code ?? '')) return `no answer within ${timeoutMs} ms`;
  if (error.code === 'ECONNREFUSED' || (error.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ENOTFOUND') return 'host not found';
  return `${error.code ?? error.name}: ${error.message}`.slice(0, 300);
}
