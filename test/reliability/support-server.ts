import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'undici';
import { WAIT_MS } from '../support/waiting.js';

/** Helpers for the reliability suites that run `prodimg serve` as a real process. */

export const BIN = fileURLToPath(new URL('../../bin/prodimg.js', import.meta.url));

export interface ServeEnv {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Extra PRODIMG_* settings; PRODIMG_INGEST defaults to off. */
  extra?: Record<string, string>;
}

/** The environment of a CLI child: ours minus any DATABASE_URL, plus the given database and settings. */
export function cliEnv({ dataDir, databaseUrl, extra = {} }: ServeEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return {
    ...rest,
    PRODIMG_DATA_DIR: dataDir,
    PRODIMG_INGEST: 'off',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extra,
  };
}

export { createShopToken } from '../support/shops.js';

export interface LogEntry {
  msg?: string;
  level?: number;
  pid?: number;
  status?: number;
  address?: string;
  err?: { message?: string; stack?: string };
  [key: string]: unknown;
}

export interface ServeProcess {
  child: ChildProcess;
  /** The process that listens: the child itself with one worker. */
  pid: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Every stdout line, parsed (non-JSON lines as `{ msg: <line> }`). */
  logs: LogEntry[];
  stderr: string[];
  /** Resolves once every process holding the child's stdout (npm, its shell, the server) is gone. */
  outputClosed: Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a log line with this msg has appeared `count` times; rejects if the process exits first, or after WAIT_MS. */
  waitForLog(msg: string, count?: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running (clean-up after a failed test). */
  kill(): void;
  /** Only when started with `inspect`: a full, compacting GC in the server, over the inspector. */
  collectGarbage(): Promise<void>;
}

/**
 * Starts `prodimg serve --port 0 <args>` and resolves once `listeners` processes have logged
 * "prodimg listening" (one per worker).
 */
export async function startServe(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  listeners = 1,
  options: {
    inspect?: boolean;
    /** Another start command (`npm start`, `npx prodimg serve`) instead of `node bin/prodimg.js serve`; `args` follow it. */
    command?: { file: string; args: string[]; cwd: string };
  } = {},
): Promise<ServeProcess> {
  const node = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
  const child = options.command
    ? spawn(options.command.file, [...options.command.args, '--port', '0', ...args], { env, cwd: options.command.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [...node, BIN, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const outputClosed = new Promise<void>((resolve) => child.stdout!.once('close', () => resolve()));
  const logs: LogEntry[] = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  // Set before the waiters wake (not in a later .then): a server that exits before listening is
  // reported at once, not after WAIT_MS.
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
      for (const wake of waiters.splice(0)) wake();
    }),
  );

  const waitForLog = (msg: string, count = 1, timeoutMs = WAIT_MS) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${count}x "${msg}" log line in ${timeoutMs} ms; stderr: ${stderr.join('')}`)), timeoutMs);
      const check = () => {
        if (logs.filter((entry) => entry.msg === msg).length >= count) {
          clearTimeout(timer);
          resolve();
        } else if (gone) {
          clearTimeout(timer);
          reject(new Error(`serve exited before logging "${msg}"; stderr: ${stderr.join('')}`));
        } else {
          waiters.push(check);
        }
      };
      check();
    });

  const kill = () => {
    if (!gone && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  };
  try {
    await waitForLog('prodimg listening', listeners);
  } catch (err) {
    kill();
    throw err;
  }
  const listening = logs.filter((entry) => entry.msg === 'prodimg listening');
  const addresses = new Set(listening.map((entry) => entry.address));
  if (addresses.size !== 1) {
    kill();
    throw new Error(`workers listen on different addresses: ${[...addresses].join(', ')}`);
  }
  const collectGarbage = async () => {
    const url = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(stderr.join(''))?.[0];
    if (!url) throw new Error('the server was not started with inspect');
    await inspectorCall(url, 'HeapProfiler.collectGarbage');
  };
  return { child, pid: listening[0]!.pid ?? child.pid!, base: listening[0]!.address!, logs, stderr, outputClosed, exited, waitForLog, kill, collectGarbage };
}

/**
 * One Chrome DevTools Protocol call on a fresh inspector session, closed again straight after:
 * a process with a debugger still attached waits for it before exiting.
 */
async function inspectorCall(url: string, method: string): Promise<void> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the inspector in 10 s`)), 10_000);
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (message.id !== 1) return;
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve();
      });
      socket.send(JSON.stringify({ id: 1, method }));
    });
  } finally {
    socket.close();
  }
}

/** Resident set size of a process in KiB, from /proc/<pid>/status (VmRSS); null once it is gone. */
export function rssKib(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Lines a server logged as unexpected failures (each would be a 500), with their error messages. */
export function failures(logs: LogEntry[]): string[] {
  return logs.filter((entry) => (entry.level ?? 0) >= 50 || (entry.status ?? 0) >= 500).map((entry) => JSON.stringify(entry).slice(0, 400));
}

/** p50/p90/p99/max of a list of milliseconds, rounded to 0.1 ms. */
export function latencySummary(ms: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}
