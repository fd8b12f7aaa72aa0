import { buildDistIfStale } from './build-dist.js';

/** Once per run: builds a missing or stale dist/, and says whether the PostgreSQL half of the suite runs. */
export default function setup(): void {
  buildDistIfStale();
  if (process.env.TEST_DATABASE_URL) {
    console.log(`Database suites run on SQLite and PostgreSQL (${process.env.TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}).`);
  } else {
    console.log('PostgreSQL suites SKIPPED: TEST_DATABASE_URL is not set; database suites run on SQLite only. `.ci/run` sets it.');
  }
}
