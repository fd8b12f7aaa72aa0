import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** `mount -o remount,ro`: every write fails with EROFS, even root's (chmod does not stop root). */
  readOnly(): void;
  writable(): void;
  unmount(): void;
}

/** A small tmpfs made for a test (as root); the reason, as a string, when mounting is refused. */
export function mountTmpfs(megabytes: number, prefix = 'prodimg-tmpfs-'): Tmpfs | string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return `mounting a tmpfs was refused (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
  const remount = (mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
  return {
    dir,
    readOnly: () => remount('ro'),
    writable: () => remount('rw'),
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
