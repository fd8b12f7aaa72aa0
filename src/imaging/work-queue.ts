import { overloaded } from '../domain/errors.js';

export interface WorkQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs allowed to wait for a slot; one more is refused at once (Overloaded). */
  maxWaiting: number;
  /** Longest wait for a slot in ms before the job is refused (Overloaded); unset: no bound but the list's. */
  maxWaitMs?: number;
  /** What the queue does, for the 503's words: "image renders", "image downloads". */
  what: string;
}

export interface WorkQueueStats {
  running: number;
  waiting: number;
  /** Totals since start. */
  started: number;
  shed: number;
}

interface Waiter {
  start: () => void;
  fail: (error: unknown) => void;
}

/**
 * Runs async jobs with bounded concurrency and a bounded wait list, so a burst costs at most
 * `concurrency` jobs' memory at a time and the rest of the server (file reads share libuv's thread
 * pool with sharp) keeps answering. Refusals are Overloaded (503 with Retry-After): the server is
 * saturated, which is not the client's or the origin's fault. A job whose signal aborts while it
 * waits is dropped from the list without ever starting.
 */
export class WorkQueue {
  private running = 0;
  private started = 0;
  private shed = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: WorkQueueOptions) {
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error(`expected a positive integer for concurrency, got ${options.concurrency}`);
    }
    if (!Number.isSafeInteger(options.maxWaiting) || options.maxWaiting < 0) {
      throw new Error(`expected a non-negative integer for maxWaiting, got ${options.maxWaiting}`);
    }
  }

  stats(): WorkQueueStats {
    return { running: this.running, waiting: this.waiting.length, started: this.started, shed: this.shed };
  }

  /** Runs `job` once a slot is free; its time counts from then, never the wait. */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.running >= this.options.concurrency) await this.slot(signal);
    else this.running += 1;
    this.started += 1;
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  /** Waits for a slot; the slot is counted as taken when this resolves. */
  private slot(signal: AbortSignal | undefined): Promise<void> {
    const { what, maxWaiting, maxWaitMs } = this.options;
    if (this.waiting.length >= maxWaiting) {
      this.shed += 1;
      return Promise.reject(overloaded(`too many ${what} are waiting, retry shortly`));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        start: () => {
          leave();
          resolve();
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (maxWaitMs !== undefined) {
        timer = setTimeout(() => {
          this.shed += 1;
          waiter.fail(overloaded(`${what} are saturated (no free slot within ${Math.round(maxWaitMs / 100) / 10}s), retry shortly`));
        }, maxWaitMs);
        timer.unref();
      }
    });
  }

  private release(): void {
    const next = this.waiting[0];
    // The slot passes straight to the next waiter, so `running` never dips below what is really running.
    if (next) next.start();
    else this.running -= 1;
  }
}
