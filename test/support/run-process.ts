import { spawn } from 'node:child_process';
import { within } from './waiting.js';

export interface ProcessRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end, collecting its output; fails naming `what` if it outlives the waiting bound. */
export function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv, what = `${file} ${args.join(' ')}`): Promise<ProcessRun> {
  return within(
    new Promise<ProcessRun>((resolve, reject) => {
      const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    }),
    what,
  );
}
