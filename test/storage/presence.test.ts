import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Presence, type PresenceTiming, startPresence } from '../../src/storage/sqlite/presence.js';
import { until } from '../support/waiting.js';

const fast: PresenceTiming = { tickMs: 20, liveMs: 400, lapseMs: 200, freshMs: 80, holdMs: 150 };
const fail = (err: unknown) => {
  throw err;
};

describe('server presence on a SQLite side file', () => {
  let dir: string;
  let file: string;
  const started: Presence[] = [];
  const start = (sync: () => void = () => {}, timing = fast) => {
    const presence = startPresence(file, sync, fail, timing);
    started.push(presence);
    return presence;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prodimg-presence-'));
    file = join(dir, 'servers.sqlite');
  });
  afterEach(() => {
    for (const presence of started.splice(0)) presence.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is alone until a second server appears, and alone again once it has gone', async () => {
    const first = start();
    expect(first.alone()).toBe(true);
    const second = start();
    expect(second.alone(), 'the newcomer sees the first at once').toBe(false);
    // The first polls and sees the newcomer, then polls again after it has gone.
    await until(() => !first.alone(), 'the first server to see the newcomer');
    second.close();
    await until(() => first.alone(), 'the first server alone again');
    expect(first.alone()).toBe(true);
  });

  it('syncs with the database on every poll while alone, and not while another server is live', async () => {
    let syncs = 0;
    const first = start(() => syncs++);
    await until(() => syncs >= 3, 'three syncs of a lone server');
    start();
    await until(() => !first.alone(), 'the first server to see the second');
    const before = syncs;
    // Five more polls of the first server, each a heartbeat in the side file.
    const side = new SQLite(file, { readonly: true });
    const beat = side.prepare<[], number>('SELECT heartbeat_at FROM servers ORDER BY rowid LIMIT 1').pluck();
    const beats = new Set<number>();
    await until(() => beats.add(beat.get()!).size > 5, 'five heartbeats of the first server');
    side.close();
    expect(syncs).toBe(before);
  });

  it('holds the writes of a newcomer that found a live server until that one can have noticed it', async () => {
    const first = start();
    const began = performance.now();
    await first.settle();
    expect(performance.now() - began, 'alone at start: no hold').toBeLessThan(fast.holdMs / 2);

    const second = start();
    const since = performance.now();
    await second.settle();
    expect(performance.now() - since).toBeGreaterThanOrEqual(fast.holdMs - 30);
    expect(first.alone(), 'the first knows of the second before its writes go ahead').toBe(false);
  });

  it('stops trusting itself when its polls fall behind (a blocked event loop)', async () => {
    const slow = start(() => {}, { ...fast, tickMs: 60_000 });
    expect(slow.alone()).toBe(true);
    // No poll comes: once freshMs has passed since the last one, it is no longer sure.
    await until(() => !slow.alone(), 'freshMs to pass without a poll');
    expect(slow.alone()).toBe(false);
  });

  it("still sees a live server after this server's wall clock jumps 10 minutes ahead (issue 28: intervals on the monotonic clock)", async () => {
    // No timer fires during the test: each settle() polls (lapseMs 0), and the peer beat once, at its start.
    const still: PresenceTiming = { tickMs: 600_000, liveMs: 60_000, lapseMs: 0, freshMs: 600_000, holdMs: 0 };
    start(() => {}, still);
    const observer = start(() => {}, still);
    await observer.settle();
    expect(observer.alone()).toBe(false);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
    try {
      await observer.settle();
      expect(observer.alone(), 'the peer beat less than liveMs ago, whatever the wall clock says').toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes a server whose process is gone (kill -9, no goodbye) for gone at once', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const side = new SQLite(file);
    side.exec('CREATE TABLE IF NOT EXISTS servers (id TEXT PRIMARY KEY, pid INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL)');
    side.prepare('INSERT INTO servers VALUES (?, ?, ?)').run('crashed', dead, Date.now());
    side.close();
    const survivor = start();
    expect(survivor.alone()).toBe(true);
    const began = performance.now();
    await survivor.settle();
    expect(performance.now() - began).toBeLessThan(fast.holdMs / 2);
  });
});
