import { Bar, Presets } from 'cli-progress';

export interface ProgressCounts {
  done: number;
  total: number;
  failed: number;
}

export interface ProgressDisplay {
  update(counts: ProgressCounts): void;
  stop(): void;
}

/** How often a line is printed when stderr is not a terminal. */
const LINE_EVERY_MS = 2000;

/**
 * Progress of long work on stderr: on a terminal, a bar with done/total, rate, ETA and failures so far
 * (cli-progress); otherwise a plain line every two seconds and one at the end; nothing with --quiet.
 */
export function progressDisplay(what: string, unit: string, options: { quiet: boolean; stream?: NodeJS.WriteStream }): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new Bar(
      {
        format: `${what} {bar} {value}/{total} ${unit} | {speed}/s | ETA {eta_formatted} | {failed} failed`,
        stream,
        etaBuffer: 50,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    let first: number | undefined;
    let running = false;
    const payload = (counts: ProgressCounts) => {
      first ??= counts.done;
      const seconds = (Date.now() - started) / 1000;
      return { failed: counts.failed, speed: seconds > 0 ? ((counts.done - first) / seconds).toFixed(1) : '0.0' };
    };
    return {
      update(counts) {
        if (!running) {
          bar.start(counts.total, counts.done, payload(counts));
          running = true;
        } else bar.update(counts.done, payload(counts));
      },
      stop() {
        if (running) bar.stop();
      },
    };
  }
  const started = Date.now();
  let lastLine = 0;
  let last: ProgressCounts | undefined;
  let first: number | undefined;
  const line = (counts: ProgressCounts) => {
    first ??= counts.done;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? (counts.done - first) / seconds : 0;
    const eta = rate > 0 ? `, ETA ${Math.ceil((counts.total - counts.done) / rate)} s` : '';
    stream.write(`${what}: ${counts.done}/${counts.total} ${unit}, ${counts.failed} failed, ${rate.toFixed(1)}/s${eta}\n`);
    lastLine = Date.now();
  };
  return {
    update(counts) {
      last = counts;
      if (Date.now() - lastLine >= LINE_EVERY_MS) line(counts);
    },
    stop() {
      if (last) line(last);
    },
  };
}
