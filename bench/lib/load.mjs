// Load generation with autocannon's programmatic API, in the driver process; the servers under test
// are always child processes, so the load generator never shares a process (or its CPU count) with them.
import autocannon from 'autocannon';
import { request } from 'undici';
import { cpuSeconds } from './proc.mjs';
import { percentile } from './stats.mjs';

/**
 * One timed autocannon run against `url` (an array spreads connections over several servers).
 * Latencies are taken from autocannon's 'response' events (sub-millisecond), 2xx only; autocannon's
 * own histogram rounds to whole milliseconds, too coarse for a server answering in 0.3 ms.
 * `servers` are the process handles whose CPU is charged to this run.
 */
export async function loadRun({ servers, url, duration, connections = 10, method = 'GET', headers = {}, body, setupRequest }) {
  const latencies = [];
  const cpuBefore = servers.map((server) => cpuSeconds(server.pid));
  const driverBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  // autocannon only checks for the end of a run on its sample tick (default every second), which
  // would round every run up to whole seconds; a 100 ms tick keeps short --quick runs short.
  const options = { url, duration, connections, pipelining: 1, method, headers, body, timeout: 60, sampleInt: 100 };
  if (setupRequest) options.requests = [{ method, headers, setupRequest }];
  const tracker = autocannon(options);
  tracker.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await tracker;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = servers.reduce((sum, server, i) => sum + cpuSeconds(server.pid) - cpuBefore[i], 0);
  const driver = process.cpuUsage(driverBefore);
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  return {
    rps: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPct: (100 * cpu) / seconds,
    cpuMsPerKReq: ok > 0 ? (1e6 * cpu) / ok : Number.NaN,
    // The load generator's own CPU (this process: autocannon), for telling a client-bound run.
    driverCpuMsPerKReq: ok > 0 ? (driver.user + driver.system) / 1000 / (ok / 1000) : Number.NaN,
    ok,
    failed,
    seconds,
    ...(failed > 0 ? { statusCodes: result.statusCodeStats } : {}),
  };
}

/** One plain request with undici; the body parsed as JSON when it is JSON. */
export async function call(base, { method = 'GET', path, token, body }) {
  const headers = {};
  if (token !== undefined) headers['access-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  let json;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, bytes, json };
}

/** Like call(), but throws unless the status is 2xx. */
export async function callOk(base, options) {
  const response = await call(base, options);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${options.method ?? 'GET'} ${options.path} answered ${response.status}: ${response.bytes.toString('utf8').slice(0, 300)}`);
  }
  return response;
}

/** Milliseconds taken by `fn`. */
export async function timed(fn) {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}
