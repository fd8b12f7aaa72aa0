import type { FastifyBaseLogger } from 'fastify';

/** The one line logged per request, by the router and by the fast read path alike. Never headers: they hold tokens. */
export function logRequest(log: FastifyBaseLogger, reqId: string, method: string, url: string, status: number, ms: number): void {
  log.info({ reqId, method, url, status, ms: Math.round(ms * 10) / 10 }, 'request');
}

/** Whether the logger writes request lines at all (level info or finer). */
export function logsRequests(log: FastifyBaseLogger | undefined): log is FastifyBaseLogger {
  return log !== undefined && ['info', 'debug', 'trace'].includes(log.level);
}
