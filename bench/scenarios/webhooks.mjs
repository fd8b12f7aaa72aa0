// 10. Fair webhook delivery (issue 22): how long another store's delivery takes to arrive while one
// store has 60 receivers that accept the request and never answer, against the same with no
// hanging receiver, in the same rounds. The receivers are node:http servers in the driver process.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { callOk } from '../lib/load.mjs';
import { target } from '../lib/measure.mjs';
import { API, cli, lastLine } from '../lib/prodimg.mjs';
import { median, percentile } from '../lib/stats.mjs';

export const id = '10';
export const title = "Webhooks: another store's delivery while one store's 60 receivers hang";

const HANGING = 60;
/** The settings served: a deadline longer than the scenario, so the 60 hang throughout; retries after 1 s for the drain. */
const ENV = { PRODIMG_ALLOW_PRIVATE_SOURCES: '1', PRODIMG_WEBHOOK_TIMEOUT_MS: '600000', PRODIMG_WEBHOOK_RETRY_MS: '1000' };

/** A receiver on 127.0.0.1: `hang` holds each request open; otherwise 200 at once. Calls `onRequest` with the delivery's id. */
async function receiver() {
  const held = new Set();
  const state = { hang: false, received: 0, held, onRequest: () => {} };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.received++;
      if (state.hang) {
        held.add(res);
        res.on('close', () => held.delete(res));
      } else {
        res.end();
      }
      state.onRequest(String(req.headers['x-shoplazza-deduplication-id']), performance.now());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.address = `http://127.0.0.1:${server.address().port}/hooks`;
  state.release = () => {
    state.hang = false;
    for (const res of held) res.socket?.destroy();
  };
  state.close = () => {
    state.release();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return state;
}

async function shop(store, base, name, addresses) {
  await cli(['shops', 'create', name], store.env);
  const token = lastLine(await cli(['tokens', 'create', '--shop', name, '--scopes', 'read_product,write_product'], store.env));
  for (const address of addresses) await callOk(base, { method: 'POST', path: `${API}/webhooks`, token, body: { topic: 'products/create', address } });
  return token;
}

/** Resolves when `check()` holds, looked at on each request the receiver gets; rejects after `ms`. */
function until(rx, check, what, ms = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    const previous = rx.onRequest;
    const look = () => {
      if (!check()) return false;
      clearTimeout(timer);
      rx.onRequest = previous;
      resolve();
      return true;
    };
    if (look()) return;
    rx.onRequest = (...args) => {
      previous(...args);
      look();
    };
  });
}

/** `count` products of the other store, one after another; each one's delay from its create answered to its delivery's arrival. */
async function delays(base, token, answering, count) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    const before = answering.received;
    let arrived = 0;
    answering.onRequest = (_id, at) => {
      arrived = at;
    };
    await callOk(base, { method: 'POST', path: `${API}/products`, token, body: { product: { title: `p${i}` } } });
    const answered = performance.now();
    await until(answering, () => answering.received > before, 'the delivery of the other store');
    ms.push(arrived - answered);
  }
  answering.onRequest = () => {};
  return ms;
}

async function measure(ctx, dialect) {
  const store = await ctx.store(dialect, ENV);
  const server = await ctx.serve(store, { name: `prodimg-webhooks-${dialect}` });
  const hanging = await receiver();
  const answering = await receiver();
  try {
    const stalled = await shop(store, server.base, 'stalled', Array.from({ length: HANGING }, (_, i) => `${hanging.address}/${i}`));
    const other = await shop(store, server.base, 'other', [answering.address]);
    const events = ctx.settings.quick ? 5 : 10;
    await delays(server.base, other, answering, 2); // warm-up: the sender's client is loaded on the first delivery
    const quiet = [];
    const stalledRuns = [];
    for (let round = 1; round <= ctx.settings.runs; round++) {
      quiet.push(await delays(server.base, other, answering, events));
      // One product of the stalled store: 60 deliveries to receivers that never answer.
      hanging.hang = true;
      const deliveredBefore = hanging.received;
      await callOk(server.base, { method: 'POST', path: `${API}/products`, token: stalled, body: { product: { title: `s${round}` } } });
      await until(hanging, () => hanging.held.size >= 4, 'the stalled store\'s first attempts');
      stalledRuns.push(await delays(server.base, other, answering, events));
      if (hanging.held.size !== hanging.received - deliveredBefore) ctx.note(`${dialect} round ${round}: ${hanging.received - deliveredBefore} attempts reached the hanging receivers, ${hanging.held.size} still held`);
      ctx.note(`${dialect} round ${round}: ${hanging.held.size} of the stalled store's ${HANGING} attempts held open while the other store's ${events} arrived`);
      // Drain: answer from now on and drop the held requests (retried after 1 s) until all 60 are delivered.
      hanging.release();
      const answered = new Set();
      hanging.onRequest = (delivery) => answered.add(delivery);
      await until(hanging, () => answered.size >= HANGING, 'the drain of the stalled store');
      hanging.onRequest = () => {};
      ctx.log(`${dialect} round ${round}/${ctx.settings.runs}: median delay ${median(quiet.at(-1)).toFixed(0)} ms quiet, ${median(stalledRuns.at(-1)).toFixed(0)} ms beside ${HANGING} hanging receivers`);
    }
    const line = (name, runs) => ({
      name,
      role: 'prodimg',
      median: { p50: median(runs.map((ms) => median(ms))), p99: median(runs.map((ms) => percentile(ms, 99))) },
      peakRssMiB: undefined,
      failed: 0,
      runs: runs.map((ms) => ({ p50: median(ms), p99: percentile(ms, 99), ms })),
    });
    const rows = [line(`${dialect}: delivery delay, no receiver hanging`, quiet), line(`${dialect}: delivery delay, ${HANGING} receivers of another store hanging`, stalledRuns)];
    // Paired by round: each round's hanging median over the same round's quiet median.
    const ratio = median(rows[1].runs.map((run, i) => run.p50 / rows[0].runs[i].p50));
    return { rows, ratio };
  } finally {
    await hanging.close();
    await answering.close();
  }
}

export async function run(ctx) {
  const rows = [];
  const targets = [];
  for (const dialect of ctx.postgres ? ['sqlite', 'postgres'] : ['sqlite']) {
    const result = await measure(ctx, dialect);
    rows.push(...result.rows);
    targets.push(
      target(`${dialect}: median delay beside ${HANGING} hanging receivers`, result.rows[1].median.p50, '<', 2000, 'ms'),
      target(`${dialect}: that delay / the delay with none hanging (paired by round)`, result.ratio, '<', null),
    );
  }
  if (!ctx.postgres) ctx.note(`PostgreSQL part skipped: ${ctx.postgresReason}`);
  ctx.note('a server looks for due deliveries every second (PRODIMG_WEBHOOK_RETRY_MS, at most 1 s): both delays are mostly that wait');
  return { rows, targets };
}
