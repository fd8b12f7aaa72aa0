import { type Static, Type } from '@sinclair/typebox';
import { DomainError, overloaded, rateLimited, validation } from '../domain/errors.js';

/** The statuses a fault may answer with, each in the platform's body for it (the error catalogue's). */
export const FAULT_STATUSES = [429, 500, 503] as const;

/** One fault, as POST /__prodimg/faults and a seed's `faults` take it. */
export const FaultSchema = Type.Object(
  {
    method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$', description: 'GET, POST, PUT, DELETE...; omitted: any' })),
    path: Type.String({ pattern: '^/', maxLength: 2048, description: 'the path, where * stands for one segment and ** for any number' }),
    status: Type.Optional(Type.Union(FAULT_STATUSES.map((status) => Type.Literal(status)))),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'how many matching requests it applies to; 1 when omitted' })),
    retry_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'the Retry-After seconds of a 429 or 503; 1 when omitted' })),
    delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'wait this long first' })),
  },
  { additionalProperties: false },
);
export type FaultSpec = Static<typeof FaultSchema>;

/** The most faults held at once: a test adding them in a loop is told, not left to fill the memory. */
export const FAULTS_MAX = 1000;

/** A fault with what is left of it. */
export interface ActiveFault extends FaultSpec {
  times: number;
}

interface Held {
  fault: ActiveFault;
  method: string | undefined;
  matches: (path: string) => boolean;
}

/**
 * The faults the next matching requests answer with, first added first matched: a status in the
 * platform's body for the request's version (thrown as the DomainError the real failure would be),
 * after an optional delay, or only the delay.
 */
export class Faults {
  private held: Held[] = [];

  add(spec: FaultSpec): ActiveFault {
    if (this.held.length >= FAULTS_MAX) throw validation([`${FAULTS_MAX} faults may wait at once; DELETE /__prodimg/faults drops them`]);
    const fault: ActiveFault = { ...spec, ...(spec.method ? { method: spec.method.toUpperCase() } : {}), times: spec.times ?? 1 };
    this.held.push({ fault, method: fault.method, matches: pathMatcher(spec.path) });
    return fault;
  }

  list(): ActiveFault[] {
    return this.held.map((held) => ({ ...held.fault }));
  }

  clear(): void {
    this.held = [];
  }

  /** The fault this request meets, counted as used; undefined when none matches. */
  take(method: string, path: string): ActiveFault | undefined {
    const held = this.held.find((candidate) => (candidate.method === undefined || candidate.method === method) && candidate.matches(path));
    if (!held) return undefined;
    held.fault.times -= 1;
    if (held.fault.times === 0) this.held = this.held.filter((candidate) => candidate !== held);
    return { ...held.fault };
  }
}

/** The error the fault's status stands for: what prodimg answers when that really happens. */
export function faultError(fault: FaultSpec, rateLimitWhy: (seconds: number) => string): DomainError | undefined {
  const seconds = fault.retry_after ?? 1;
  switch (fault.status) {
    case 429:
      return rateLimited(rateLimitWhy(seconds), seconds);
    case 503:
      return overloaded('the server is busy, retry shortly', seconds);
    case 500:
      return new DomainError('Internal');
    default:
      return undefined;
  }
}

/**
 * `*` is one path segment, `**` any number of them, and a `*` inside a segment any characters there;
 * everything else is itself. Matched segment by segment in time proportional to the pattern's and
 * the path's lengths (no regular expression a pattern could make backtrack without end).
 */
export function pathMatcher(glob: string): (path: string) => boolean {
  const pattern = segments(glob);
  return (path) => {
    const parts = segments(path);
    // matches[i][j]: pattern from i matches parts from j; filled from the ends.
    let next: boolean[] = parts.map(() => false).concat(true);
    for (let i = pattern.length - 1; i >= 0; i--) {
      const here: boolean[] = new Array(parts.length + 1).fill(false);
      for (let j = parts.length; j >= 0; j--) {
        if (pattern[i] === '**') here[j] = next[j]! || (j < parts.length && here[j + 1]!);
        else here[j] = j < parts.length && next[j + 1]! && segmentMatches(pattern[i]!, parts[j]!);
      }
      next = here;
    }
    return next[0]!;
  };
}

const segments = (path: string) => path.replace(/\/+$/, '').split('/');

/** A segment against a segment pattern: `*` any characters (greedy, with one point to come back to). */
function segmentMatches(pattern: string, text: string): boolean {
  if (pattern === '*') return text !== '';
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
