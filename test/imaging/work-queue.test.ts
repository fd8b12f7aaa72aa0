import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { WorkQueue } from '../../src/imaging/work-queue.js';

/** A job that runs until `finish` is called, with a promise that settles when it has started. */
function gated<T>(value: T) {
  let finish!: () => void;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    started,
    finish: () => finish(),
    job: async () => {
      markStarted();
      await done;
      return value;
    },
  };
}

const overloaded = (message: string) => expect.objectContaining({ code: 'Overloaded', messages: [message] });

describe('WorkQueue', () => {
  it('runs at most `concurrency` jobs at once and starts the next as one finishes', async () => {
    const queue = new WorkQueue({ concurrency: 2, maxWaiting: 10, what: 'image renders' });
    const jobs = [gated(1), gated(2), gated(3)];
    const results = jobs.map((job) => queue.run(job.job));
    await Promise.all([jobs[0]!.started, jobs[1]!.started]);
    expect(queue.stats()).toEqual({ running: 2, waiting: 1, started: 2, shed: 0 });
    jobs[0]!.finish();
    await jobs[2]!.started;
    expect(queue.stats()).toMatchObject({ running: 2, waiting: 0, started: 3 });
    jobs[1]!.finish();
    jobs[2]!.finish();
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect(queue.stats()).toEqual({ running: 0, waiting: 0, started: 3, shed: 0 });
  });

  it('refuses a job at once with Overloaded when the wait list is full', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 1, what: 'image renders' });
    const running = gated('a');
    const first = queue.run(running.job);
    const second = queue.run(async () => 'b');
    await expect(queue.run(async () => 'c')).rejects.toEqual(overloaded('too many image renders are waiting, retry shortly'));
    expect(queue.stats()).toMatchObject({ running: 1, waiting: 1, shed: 1 });
    running.finish();
    expect([await first, await second]).toEqual(['a', 'b']);
  });

  it('drops a waiting job whose signal aborts, without ever starting it', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 5, what: 'image renders' });
    const running = gated('a');
    const first = queue.run(running.job);
    const abort = new AbortController();
    let ran = false;
    const dropped = queue.run(async () => (ran = true), abort.signal);
    abort.abort(new Error('client gone'));
    await expect(dropped).rejects.toThrow('client gone');
    expect(queue.stats().waiting).toBe(0);
    running.finish();
    await first;
    expect(ran).toBe(false);
    expect(queue.stats()).toMatchObject({ running: 0, started: 1 });
  });

  it('refuses a job that waited longer than maxWaitMs, and only counts the wait, not the job', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 5, maxWaitMs: 50, what: 'image downloads' });
    const running = gated('a');
    const first = queue.run(running.job);
    const refused = queue.run(async () => 'never');
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toEqual(overloaded('image downloads are saturated (no free slot within 0.1s), retry shortly'));
    // The running job has by now run longer than maxWaitMs and is not cut off: its time is its own.
    running.finish();
    expect(await first).toBe('a');
    expect(queue.stats()).toEqual({ running: 0, waiting: 0, started: 1, shed: 1 });
  });

  it('frees the slot of a job that fails', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 0, what: 'image renders' });
    await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run(async () => 'next')).toBe('next');
  });
});
