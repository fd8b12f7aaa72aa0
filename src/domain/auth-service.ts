import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { forbidden, storeInactive, unauthorized } from './errors.js';
import type { Grant } from './entities.js';
import type { Scope } from './scopes.js';
import { GrantCache } from './grant-cache.js';
import type { TokenRepository } from './ports.js';

/** Tokens are random and long, so a plain SHA-256 is the right hash: no salt or stretching needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/** Checks who is calling: the token, its store, the Host it came to, and the scope it needs. */
export class AuthService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly baseDomain: string,
    private readonly cache: GrantCache = new GrantCache(0),
  ) {}

  /**
   * The grant when the token was checked recently, without waiting on anything (the hot path);
   * undefined when it must be looked up with authenticate().
   */
  cached(token: string | undefined, host: string | undefined): Grant | undefined {
    if (!token) throw unauthorized();
    const grant = this.cache.get(hashToken(token));
    if (grant) this.check(grant, host);
    return grant;
  }

  async authenticate(token: string | undefined, host: string | undefined): Promise<Grant> {
    if (!token) throw unauthorized();
    const hash = hashToken(token);
    let grant = this.cache.get(hash);
    if (!grant) {
      grant = (await this.tokens.findByHash(hash)) ?? undefined;
      if (!grant || !timingSafeEqual(Buffer.from(grant.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) throw unauthorized();
      if (!grant.active) throw storeInactive();
      this.cache.set(hash, grant);
    }
    this.check(grant, host);
    return grant;
  }

  /** An expired token (one the OAuth flow issued) is refused like an unknown one. */
  private check(grant: Grant, host: string | undefined): void {
    if (grant.expiresAt !== undefined && grant.expiresAt <= Date.now()) throw unauthorized();
    this.checkHost(grant, host);
  }

  private checkHost(grant: Grant, host: string | undefined): void {
    const sub = subdomainOf(host, this.baseDomain);
    if (sub !== null && sub !== grant.subdomain) throw storeInactive();
  }
}

/** Reads need read_product or write_product; writes need write_product. */
export function requireScope(grant: Grant, scope: Scope): void {
  if (grant.scopes.includes(scope)) return;
  if (scope === 'read_product' && grant.scopes.includes('write_product')) return;
  throw forbidden(scope);
}

/** `store123` for `store123.myshoplaza.localhost:8080`; null when the host is not under the base domain. */
export function subdomainOf(host: string | undefined, baseDomain: string): string | null {
  if (!host) return null;
  const name = host.replace(/:[^:\]]*$/, '').toLowerCase().replace(/\.$/, '');
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!name.endsWith(suffix)) return null;
  const sub = name.slice(0, -suffix.length);
  return sub.length > 0 ? sub : null;
}
