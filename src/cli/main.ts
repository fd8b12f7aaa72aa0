import { CommanderError } from 'commander';
import { reportFailure } from './context.js';
import { createProgram } from './program.js';

// A reader that stops early (`prodimg audit --json | head -c 300`) closes the pipe: end quietly with
// code 0, as the reader got what it wanted, instead of an unhandled EPIPE and its stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}

try {
  await createProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage mistakes with 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    reportFailure(err);
  }
}
