// Reading a prodimg server's own counters from its /metrics (Prometheus text), to show what it did.
import { callOk } from './load.mjs';

/** The S3 requests of `operation` (GetObject, PutObject, HeadObject...) the server at `base` made, every outcome. */
export async function s3Requests(base, operation) {
  const text = (await callOk(base, { path: '/metrics' })).bytes.toString('utf8');
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('prodimg_s3_requests_total{') && line.includes(`operation="${operation}"`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
