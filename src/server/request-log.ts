import type { FastifyBaseLogger } from 'fastify';

/** The one line logged per request, by the router and by the fast read path alike. Never headers: they hold tokens. */
export function logRequest(log: FastifyBaseLogger, reqId: string, method: string, url: string, status: number, ms: number): void {
  log.info({ reqId, method, url: redactUrl(url), status, ms: Math.round(ms * 10) / 10 }, 'request');
}

/** Whether the logger writes request lines at all (level info or finer). */
export function logsRequests(log: FastifyBaseLogger | undefined): log is FastifyBaseLogger {
  return log !== undefined && ['info', 'debug', 'trace'].includes(log.level);
}

/** Query parameters that carry credentials, by the names clients and signed URLs use. */
const SECRET_PARAMETER = /token|secret|passw|pwd|key|signature|sig$|auth|credential|session|code/i;

/**
 * A URL fit for a log: the value of every query parameter whose name says it is a secret
 * (`?access_token=`, `X-Amz-Signature=`, ...) becomes `[REDACTED]`, user info before the host is
 * dropped, and the fragment too (clients should never send one). The rest stays as sent, so the line
 * still says which request it was. Pure, for the table test.
 */
export function redactUrl(url: string): string {
  const withoutFragment = url.split('#', 1)[0]!;
  const withoutUserInfo = withoutFragment.replace(/^([a-z][a-z0-9+.-]*:)?\/\/[^/?]*@/i, (_all, scheme: string | undefined) => `${scheme ?? ''}//`);
  return redactQuery(withoutUserInfo, (name) => SECRET_PARAMETER.test(name), '[REDACTED]');
}

/**
 * `url` with the value of every query parameter whose decoded name `isSecret` says is one replaced
 * by `censor`; everything else as sent. The log's URLs and the stand-in's journal both go through it.
 */
export function redactQuery(url: string, isSecret: (name: string) => boolean, censor: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return equals >= 0 && isSecret(safeDecode(name)) ? `${name}=${censor}` : pair;
    });
  return `${url.slice(0, queryAt)}?${query.join('&')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * For the process's logger (pino's `redact`): header values that carry credentials, wherever a
 * request or response object gets logged (prodimg logs none today; a plugin or a debug line might).
 */
export const LOG_REDACTION = {
  paths: ['req.headers["access-token"]', 'req.headers.authorization', 'req.headers.cookie', 'headers["access-token"]', 'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]'],
  censor: '[REDACTED]',
};
