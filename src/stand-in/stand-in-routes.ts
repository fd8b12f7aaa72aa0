import { setTimeout as sleep } from 'node:timers/promises';
import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { validation } from '../domain/errors.js';
import type { CorsPolicy } from '../server/cors.js';
import { controlGuard } from './control-guard.js';
import { FaultSchema, FAULTS_MAX, type FaultSpec } from './faults.js';
import { schemaProblems } from './schema-problems.js';
import type { StandIn } from './stand-in.js';

/** The stand-in's own paths; nothing else of the API starts with it. */
export const STAND_IN_PREFIX = '/__prodimg/';

const FaultBody = Type.Union([FaultSchema, Type.Array(FaultSchema, { minItems: 1 })]);

/**
 * `/__prodimg/reset`, `/__prodimg/requests` and `/__prodimg/faults`, and the hooks behind them: every
 * other request meets the faults first (before its token is checked, as a gateway's failure would)
 * and is written to the journal with its answer's status. The control endpoints refuse what a
 * cross-site page could send (control-guard.ts).
 */
export function registerStandInRoutes(app: FastifyInstance, standIn: StandIn, origins: CorsPolicy): void {
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith(STAND_IN_PREFIX)) return;
    const fault = standIn.faultFor(request.method, request.url.split('?')[0]!);
    if (!fault) return;
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.error) throw fault.error;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith(STAND_IN_PREFIX)) return;
    standIn.record({ method: request.method, path: request.url, status: reply.statusCode, body: request.body ?? null, request_id: request.id });
  });

  const guarded = { onRequest: controlGuard(origins) };
  app.post('/__prodimg/reset', guarded, async () => {
    const started = performance.now();
    await standIn.reset();
    return { reset: true, ms: Math.round((performance.now() - started) * 10) / 10 };
  });
  app.get('/__prodimg/requests', guarded, async () => standIn.requests());
  app.get('/__prodimg/faults', guarded, async () => ({ faults: standIn.listFaults() }));
  app.delete('/__prodimg/faults', guarded, async () => {
    standIn.clearFaults();
    return { faults: [] };
  });
  app.post('/__prodimg/faults', guarded, async (request, reply) => {
    const specs = readFaults(request.body);
    // All or none: a list that would pass the limit adds nothing.
    if (standIn.listFaults().length + specs.length > FAULTS_MAX) throw validation([`${FAULTS_MAX} faults may wait at once; DELETE /__prodimg/faults drops them`]);
    const faults = specs.map((spec) => standIn.addFault(spec));
    return reply.code(201).send({ faults });
  });
}

function readFaults(body: unknown): FaultSpec[] {
  if (!Value.Check(FaultBody, body)) {
    const problems = Array.isArray(body) ? body.flatMap((item, i) => schemaProblems(FaultSchema, item, `[${i}]`)) : schemaProblems(FaultSchema, body, 'fault');
    throw validation(problems.length > 0 ? problems : ['the body must be a fault object or a list of them']);
  }
  const specs = Array.isArray(body) ? body : [body];
  const idle = specs.findIndex((spec) => spec.status === undefined && spec.delay_ms === undefined);
  if (idle >= 0) throw validation([`${Array.isArray(body) ? `[${idle}]` : 'fault'}: give a status (429, 500, 503), a delay_ms, or both`]);
  return specs;
}
