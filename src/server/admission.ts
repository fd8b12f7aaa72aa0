import { type AuthService, requireScope } from '../domain/auth-service.js';
import type { Grant } from '../domain/entities.js';
import type { Scope } from '../domain/scopes.js';
import type { RateLimits } from './rate-limits/rate-limits.js';

/** What admission reads of a request; the same for the router and the fast read path. */
export interface AdmissionRequest {
  token: string | undefined;
  host: string | undefined;
}

/** An admitted request: who it is for, and headers every answer to it carries (flat name, value list). */
export interface Admitted {
  grant: Grant;
  headers: readonly string[];
}

const NO_HEADERS: readonly string[] = [];

/**
 * The one decision whether a request may run an operation: the token (401), its store active and
 * the one the Host names (401), the rate limit of a limited token (429), the operation's scope (403).
 * The router runs it before every API operation, and the fast read path runs the same code before
 * answering from memory, so nothing the router checks can be skipped on a cached read. A limited
 * token's request fills its buckets once, on the path that answers it; the bucket levels go in
 * `headers`.
 */
export class Admission {
  constructor(
    private readonly auth: AuthService,
    private readonly limits?: RateLimits,
  ) {}

  /**
   * Decides from memory alone, without waiting on anything: the admission, or undefined when the
   * token must first be looked up or its buckets are shared elsewhere (then call `admit`). Throws the refusal.
   */
  fromMemory(request: AdmissionRequest, scope: Scope | null): Admitted | undefined {
    const grant = this.auth.cached(request.token, request.host);
    if (!grant) return undefined;
    if (!this.limitedBy(grant)) return this.decide(grant, scope, NO_HEADERS);
    // Shared buckets answer later: leave the request to `admit`, which charges it once.
    if (!this.limits!.immediate) return undefined;
    return this.decide(grant, scope, this.limits!.charge(grant) as readonly string[]);
  }

  /**
   * For the fast read path: as fromMemory, but only for tokens without a rate limit (undefined for
   * the others, which the router answers and charges), so no request fills a bucket twice.
   */
  unlimitedFromMemory(request: AdmissionRequest, scope: Scope | null): Admitted | undefined {
    const grant = this.auth.cached(request.token, request.host);
    return grant && !this.limitedBy(grant) ? this.decide(grant, scope, NO_HEADERS) : undefined;
  }

  async admit(request: AdmissionRequest, scope: Scope | null): Promise<Admitted> {
    const grant = await this.auth.authenticate(request.token, request.host);
    return this.decide(grant, scope, this.limitedBy(grant) ? await this.limits!.charge(grant) : NO_HEADERS);
  }

  private limitedBy(grant: Grant): boolean {
    return this.limits !== undefined && grant.rateLimitKey !== undefined;
  }

  private decide(grant: Grant, scope: Scope | null, headers: readonly string[]): Admitted {
    try {
      if (scope !== null) requireScope(grant, scope);
    } catch (error) {
      // A limited token's 403 carries its bucket levels too.
      if (headers.length > 0) (error as Partial<WithAnswerHeaders>).answerHeaders = headers;
      throw error;
    }
    return { grant, headers };
  }
}

/** A refusal whose answer carries headers besides the error's own (flat name, value list). */
export interface WithAnswerHeaders {
  answerHeaders: readonly string[];
}

/** Puts a refusal's own headers on the answer about to be sent, and hands the refusal on. */
export function withAnswerHeaders(raw: { setHeader(name: string, value: string): unknown }, error: Error): Error {
  const headers = (error as Partial<WithAnswerHeaders>).answerHeaders;
  for (let i = 0; headers && i < headers.length; i += 2) raw.setHeader(headers[i]!, headers[i + 1]!);
  return error;
}

/** The token a request carries: the first `Access-Token` header. */
export function tokenOf(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
