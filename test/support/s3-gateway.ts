import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The project's start/stop script of a one-node Ceph cluster with its RADOS Gateway. */
export const S3_GATEWAY_SCRIPT = fileURLToPath(new URL('../../scripts/s3-gateway.sh', import.meta.url));
export const RADOSGW = '/usr/bin/radosgw';

/** What reaches the gateway: the settings the script prints, by name (AWS_ENDPOINT_URL_S3, keys...). */
export type S3GatewaySettings = Record<string, string>;

/** Why this run has no gateway, or '' when it has one. */
export function s3Unavailable(): string {
  if (!existsSync(RADOSGW)) return `${RADOSGW} is not installed (apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common)`;
  if (process.env.PRODIMG_TEST_S3 === '0') return 'PRODIMG_TEST_S3=0';
  return '';
}

/**
 * Starts a gateway in `dir` (an empty directory) on a free range of ports; resolves with its settings.
 * The script refuses ports in use (exit 3), so another range is tried then.
 */
export async function startS3Gateway(dir: string): Promise<S3GatewaySettings> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + 22 * Math.floor(Math.random() * 1800);
    try {
      const { stdout } = await run(S3_GATEWAY_SCRIPT, ['start', dir, String(port)]);
      return Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    } catch (error) {
      if ((error as { code?: number }).code !== 3 || attempt >= 5) throw error;
    }
  }
}

export async function stopS3Gateway(dir: string): Promise<void> {
  await run(S3_GATEWAY_SCRIPT, ['stop', dir]);
}

