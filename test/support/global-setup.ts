import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildDistIfStale } from './build-dist.js';
import { s3Unavailable, startS3Gateway, stopS3Gateway } from './s3-gateway.js';

/**
 * Once per run: builds a missing or stale dist/; says plainly whether the PostgreSQL half of the
 * suite runs; starts the run's one S3 gateway (a throwaway Ceph cluster, scripts/s3-gateway.sh) when
 * radosgw is installed, and stops it at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildDistIfStale();
  if (process.env.TEST_DATABASE_URL) {
    console.log(`Database suites run on SQLite and PostgreSQL (${process.env.TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}).`);
  } else {
    console.log('PostgreSQL suites SKIPPED: TEST_DATABASE_URL is not set; database suites run on SQLite only. `.ci/run` sets it.');
  }
  const skip = s3Unavailable();
  project.provide('s3SkipReason', skip);
  project.provide('s3Gateway', null);
  if (skip) {
    console.log(`S3 suites SKIPPED: ${skip}.`);
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'prodimg-s3-'));
  const started = Date.now();
  try {
    project.provide('s3Gateway', await startS3Gateway(dir));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  console.log(`S3 suites run on a Ceph RADOS Gateway started in ${Date.now() - started} ms (${dir}).`);
  return async () => {
    await stopS3Gateway(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
