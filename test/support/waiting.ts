/**
 * The one bound on waiting for an event of a child process (a log line, an exit, a command's end).
 * A wait ends as soon as the event comes; the bound only turns "never" into a clear failure, so it
 * is generous: a CI machine at load 10-14 takes many times longer than an idle one. Set
 * PRODIMG_TEST_WAIT_MS to change it.
 */
export const WAIT_MS = Number(process.env.PRODIMG_TEST_WAIT_MS) > 0 ? Number(process.env.PRODIMG_TEST_WAIT_MS) : 120_000;

/** The timeout of a test that waits for up to `waits` such events in a row. */
export const waitsTimeout = (waits: number): number => WAIT_MS * waits + 10_000;

/** Resolves as `promise` does, or rejects naming `what` once WAIT_MS has passed without it. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Resolves once `check()` holds, looked at every few milliseconds; rejects naming `what` after WAIT_MS. */
export async function until(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
