import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { UNBOUNDED_SQLITE_BUSY_MS } from '../database-bounds.js';

/**
 * Which prodimg servers share one SQLite database, so that a server alone on it can trust its read
 * cache without asking SQLite before every read (each ask costs two file-lock system calls, about a
 * quarter of a cached read here).
 *
 * Every server keeps a row in a side database (`servers.sqlite` beside the data; a file of its own
 * so heartbeats never disturb the data's commits): its id, pid and a heartbeat every `tickMs`. A
 * peer is live while its pid exists and its heartbeat changed less than `liveMs` ago, as this
 * process's monotonic clock measures it: no process compares its wall clock with another's, so a
 * clock stepping forward cannot make a live peer look gone (and end rule 1's wait early). Rules, which together
 * keep "an answered write is seen by the next read through any server":
 * 1. A server is alone when its last poll, started less than `freshMs` ago, found no live peer. Each
 *    such poll also runs `sync` (the data_version check), so whatever was committed before the poll
 *    is dropped from the cache; between polls an alone server's reads check nothing.
 * 2. A server that announces itself (starts, or heartbeats again after a gap of `lapseMs`, during
 *    which others may have taken it for gone) and sees a live peer then holds its writes, and their
 *    answers, until `holdMs` after the announcement: longer than `freshMs`, so by then any server
 *    that was alone has polled, seen it and gone back to checking before every read.
 */
export interface PresenceTiming {
  tickMs: number;
  liveMs: number;
  lapseMs: number;
  freshMs: number;
  holdMs: number;
}

export const PRESENCE_TIMING: PresenceTiming = { tickMs: 200, liveMs: 3000, lapseMs: 1500, freshMs: 600, holdMs: 1000 };

export interface Presence {
  /** True while this server may trust its cache without a check (rule 1). Cheap: no system call. */
  alone(): boolean;
  /** Resolves when this server may commit a write or answer one (rule 2); at once nearly always. */
  settle(): Promise<void>;
  close(): void;
}

interface Row {
  id: string;
  pid: number;
  heartbeat_at: number;
}

export function startPresence(
  file: string,
  sync: () => void,
  onError: (err: unknown) => void,
  timing: PresenceTiming = PRESENCE_TIMING,
  busyMs = UNBOUNDED_SQLITE_BUSY_MS,
): Presence {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${busyMs}`);
  db.exec('CREATE TABLE IF NOT EXISTS servers (id TEXT PRIMARY KEY, pid INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL)');
  const me = randomUUID();
  const beat = db.prepare('INSERT INTO servers (id, pid, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at');
  const others = db.prepare<[string], Row>('SELECT id, pid, heartbeat_at FROM servers WHERE id <> ?');
  const forget = db.prepare('DELETE FROM servers WHERE id = ?');

  // Monotonic times of this process. heartbeat_at is only ever compared with its previous value: a
  // wall-clock time (for people reading the file), kept increasing so that every beat changes it.
  let lastBeat = Number.NEGATIVE_INFINITY;
  let lastWall = 0;
  let holdUntil = 0;
  let aloneSince: number | null = null;
  /** Each peer's heartbeat as last read, and when it was first read with that value. */
  const heard = new Map<string, { beat: number; at: number }>();

  /** Whether any peer is live now, noting the heartbeats that moved. */
  const anyLive = (rows: Row[], now: number): boolean => {
    let live = false;
    for (const row of rows) {
      let last = heard.get(row.id);
      if (last?.beat !== row.heartbeat_at) heard.set(row.id, (last = { beat: row.heartbeat_at, at: now }));
      if (now - last.at < timing.liveMs && pidExists(row.pid)) live = true;
    }
    for (const id of heard.keys()) if (!rows.some((row) => row.id === id)) heard.delete(id);
    return live;
  };

  /** Heartbeat and poll in one transaction: whoever commits second sees the other. */
  const tick = db.transaction(() => {
    const now = performance.now();
    const announcing = now - lastBeat >= timing.lapseMs;
    lastWall = Math.max(Date.now(), lastWall + 1);
    beat.run(me, process.pid, lastWall);
    lastBeat = now;
    const live = anyLive(others.all(me), now);
    if (announcing && live) holdUntil = now + timing.holdMs;
    return { live, startedAt: now };
  });

  const poll = () => {
    // Not alone until this poll says so; a failed poll (the side file locked or gone) leaves it so.
    aloneSince = null;
    try {
      const { live, startedAt } = tick();
      if (live) return;
      sync();
      aloneSince = startedAt;
    } catch (err) {
      onError(err);
    }
  };
  poll();
  const timer = setInterval(poll, timing.tickMs);
  timer.unref();

  return {
    alone: () => aloneSince !== null && performance.now() - aloneSince < timing.freshMs,
    async settle() {
      if (performance.now() - lastBeat >= timing.lapseMs) poll();
      const wait = holdUntil - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
    close() {
      if (!db.open) return;
      clearInterval(timer);
      aloneSince = null;
      forget.run(me);
      db.close();
    },
  };
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
