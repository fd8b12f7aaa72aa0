import { type AuthService, requireScope } from '../domain/auth-service.js';
import type { Grant, Scope } from '../domain/entities.js';

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
 * the one the Host names (401), the operation's scope (403). The router runs it before every API
 * operation, and the fast read path runs the same code before answering from memory, so nothing the
 * router checks can be skipped on a cached read. A later check (rate limits) belongs here too, and
 * the headers it wants on the answer go in `headers`.
 */
export class Admission {
  constructor(private readonly auth: AuthService) {}

  /**
   * Decides from memory alone, without waiting on anything: the admission, or undefined when the
   * token must first be looked up (then call `admit`). Throws the refusal.
   */
  fromMemory(request: AdmissionRequest, scope: Scope | null): Admitted | undefined {
    const grant = this.auth.cached(request.token, request.host);
    return grant && this.decide(grant, scope);
  }

  async admit(request: AdmissionRequest, scope: Scope | null): Promise<Admitted> {
    return this.decide(await this.auth.authenticate(request.token, request.host), scope);
  }

  private decide(grant: Grant, scope: Scope | null): Admitted {
    if (scope !== null) requireScope(grant, scope);
    return { grant, headers: NO_HEADERS };
  }
}

/** The token a request carries: the first `Access-Token` header. */
export function tokenOf(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
