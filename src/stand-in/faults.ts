import { type Static, Type } from '@sinclair/typebox';
import { DomainError, overloaded } from '../domain/errors.js';

/** The statuses a fault may answer with, each in the platform's body for it (the error catalogue's). */
export const FAULT_STATUSES = [429, 500, 503] as const;

/** One fault, as POST /__prodimg/faults and a seed's `faults` take it. */
export const FaultSchema = Type.Object(
  {
    method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$', description: 'GET, POST, PUT, DELETE...; omitted: any' })),
    path: Type.String({ pattern: '^/', description: 'the path, where * stands for one segment and ** for any number' }),
    status: Type.Optional(Type.Union(FAULT_STATUSES.map((status) => Type.Literal(status)))),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'how many matching requests it applies to; 1 when omitted' })),
    retry_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'the Retry-After seconds of a 429 or 503; 1 when omitted' })),
    delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'wait this long first' })),
  },
  { additionalProperties: false },
);
export type FaultSpec = Static<typeof FaultSchema>;

/** A fault with what is left of it. */
export interface ActiveFault extends FaultSpec {
  times: number;
}

interface Held {
  fault: ActiveFault;
  method: string | undefined;
  path: RegExp;
}

/**
 * The faults the next matching requests answer with, first added first matched: a status in the
 * platform's body for the request's version (thrown as the DomainError the real failure would be),
 * after an optional delay, or only the delay.
 */
export class Faults {
  private held: Held[] = [];

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, ...(spec.method ? { method: spec.method.toUpperCase() } : {}), times: spec.times ?? 1 };
    this.held.push({ fault, method: fault.method, path: pathPattern(spec.path) });
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
    const held = this.held.find((candidate) => (candidate.method === undefined || candidate.method === method) && candidate.path.test(path));
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
      return new DomainError('RateLimited', [String(seconds), rateLimitWhy(seconds)]);
    case 503:
      return overloaded('the server is busy, retry shortly', seconds);
    case 500:
      return new DomainError('Internal');
    default:
      return undefined;
  }
}

/** `*` is one path segment, `**` any number of them; everything else is itself. */
function pathPattern(glob: string): RegExp {
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}
