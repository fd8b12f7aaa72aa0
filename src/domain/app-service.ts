import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateToken, hashToken } from './auth-service.js';
import type { App, Shop } from './entities.js';
import { validation } from './errors.js';
import { goQueryEncode, oauthHmac } from './oauth-hmac.js';
import type { AppRepository, Clock, OAuthGrantRow, ShopRepository, TokenRepository } from './ports.js';
import { knownScopes, unknownScopes, unknownScopesProblem } from './scopes.js';
import { newTokenPublicId } from './token-public-id.js';

/** Seals secrets prodimg must use again (secret-box.ts). */
export interface SecretSealer {
  seal(text: string): string;
  open(sealed: string): string;
}

export interface OAuthSettings {
  /** Stores are `<subdomain>.<baseDomain>`: the `shop` of a callback. */
  baseDomain: string;
  codeTtlMs: number;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** Scopes beyond the documented ones that apps may register (PRODIMG_EXTRA_SCOPES); none when absent. */
  extraScopes?: readonly string[];
}

/** A refusal of the OAuth flow, in RFC 6749's words: the token endpoint answers it as JSON, the authorize page as a page. */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'unsupported_response_type' | 'invalid_scope',
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

/** What the authorize step was asked, checked: the consent page shows it, approving it issues a code. */
export interface AuthorizeRequest {
  /** With its sealed secret, which signs the callback. */
  app: App & { sealedSecret: string };
  shop: Shop;
  scopes: string[];
  redirectUri: string;
  /** Absent when the app sent none: the callback then carries no `state` either. */
  state?: string;
}

/** The token endpoint's answer, with the JSON types the platform's OAuth SDK insists on. */
export interface TokenAnswer {
  token_type: 'Bearer';
  access_token: string;
  refresh_token: string;
  /** Unix seconds. */
  expires_at: number;
  expires_in: number;
  /** A string, as the SDK reads it. */
  store_id: string;
  store_name: string;
  /** The granted scopes, comma-separated. */
  scope: string;
  created_at: number;
  locale: string;
}

const NAME_MAX = 100;
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Apps and the OAuth install flow, as the platform runs it: an app registers a redirect URI and the
 * scopes it may ask for; a store's authorize step issues a single-use code on approval; the token
 * endpoint trades the code (or a refresh token, once) for an expiring access token; uninstalling
 * revokes every token the app holds for the store.
 */
export class AppService {
  constructor(
    private readonly apps: AppRepository,
    private readonly shops: ShopRepository,
    private readonly tokens: TokenRepository,
    private readonly secrets: SecretSealer,
    private readonly clock: Clock,
    private readonly settings: OAuthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The client secret is returned this once; only its sealed form is kept. Without `scopes`, the app
   * may ask for every scope known now (documented and PRODIMG_EXTRA_SCOPES), as a platform app asks
   * for what it needs at the authorize step.
   */
  async create(input: { name: string; redirectUri: string; appUrl?: string; scopes?: readonly string[] }): Promise<{ app: App; clientSecret: string }> {
    const problems: string[] = [];
    const name = input.name.trim();
    if (name === '' || name.length > NAME_MAX) problems.push(`Name must be 1 to ${NAME_MAX} characters`);
    if (!isWebUrl(input.redirectUri)) problems.push(`Redirect URI must be an absolute http(s) URL without a fragment; got "${input.redirectUri}"`);
    if (input.appUrl !== undefined && !isWebUrl(input.appUrl)) problems.push(`App URL must be an absolute http(s) URL without a fragment; got "${input.appUrl}"`);
    const known = this.knownScopes();
    const scopes = input.scopes ?? known;
    const unknown = unknownScopes(scopes, known);
    if (scopes.length === 0) problems.push('Scopes must name at least one scope');
    if (unknown.length > 0) problems.push(unknownScopesProblem(unknown));
    if (problems.length > 0) throw validation(problems);
    const app: App = {
      client_id: randomBytes(16).toString('hex'),
      name,
      redirect_uri: input.redirectUri,
      app_url: input.appUrl ?? '',
      scopes: [...new Set(scopes)],
      created_at: this.clock(),
    };
    const clientSecret = randomBytes(32).toString('hex');
    await this.apps.create(app, this.secrets.seal(clientSecret));
    return { app, clientSecret };
  }

  list(): Promise<App[]> {
    return this.apps.list();
  }

  async delete(clientId: string): Promise<void> {
    if (!(await this.apps.delete(clientId))) throw noApp(clientId);
  }

  /** The authorize step's checks, in the order the page reports them; nothing is issued yet. */
  async authorize(subdomain: string | null, query: Readonly<Record<string, string | undefined>>): Promise<AuthorizeRequest> {
    if (subdomain === null) {
      throw new OAuthError('invalid_request', `open this page on the store's own address: https://<store>.${this.settings.baseDomain}/admin/oauth/authorize`);
    }
    const shop = await this.shops.find(subdomain);
    if (!shop || !shop.active) throw new OAuthError('invalid_request', `there is no active store ${subdomain}.${this.settings.baseDomain}`);
    const app = query.client_id ? await this.apps.find(query.client_id) : null;
    if (!app) throw new OAuthError('invalid_client', `no app has the client_id "${query.client_id ?? ''}"`);
    if (query.redirect_uri !== app.redirect_uri) {
      throw new OAuthError('invalid_request', `redirect_uri "${query.redirect_uri ?? ''}" is not the one registered for ${app.name}`);
    }
    if (query.response_type !== 'code') throw new OAuthError('unsupported_response_type', `response_type must be "code"; got "${query.response_type ?? ''}"`);
    // The SDK joins scopes with spaces (a + in the URL); the docs also show commas.
    const asked = (query.scope ?? '').split(/[\s,]+/).filter(Boolean);
    const unknown = unknownScopes(asked, this.knownScopes());
    if (unknown.length > 0) throw new OAuthError('invalid_scope', unknownScopesProblem(unknown));
    const unregistered = asked.filter((scope) => !app.scopes.includes(scope));
    if (unregistered.length > 0) {
      throw new OAuthError('invalid_scope', `${app.name} did not register the scope${unregistered.length > 1 ? 's' : ''} ${unregistered.join(', ')} (it registered ${app.scopes.join(', ')})`);
    }
    const scopes = asked.length > 0 ? [...new Set(asked)] : app.scopes;
    return { app, shop, scopes, redirectUri: app.redirect_uri, ...(query.state !== undefined ? { state: query.state } : {}) };
  }

  /** Approval: a single-use code, and the callback URL carrying it with `shop`, `state` (when the app sent one), a timestamp and their `hmac`. */
  async approve(request: AuthorizeRequest): Promise<string> {
    const { app, shop } = request;
    const code = generateToken();
    await this.apps.saveCode(hashToken(code), { clientId: app.client_id, shopId: shop.id, scopes: request.scopes, expiresAt: this.now() + this.settings.codeTtlMs, redirectUri: request.redirectUri });
    const params = { code, shop: this.shopHost(shop), ...stateOf(request), timestamp: String(seconds(this.now())) };
    return withQuery(request.redirectUri, params, this.secrets.open(app.sealedSecret));
  }

  /** Refusal by the merchant: back to the app with `error=access_denied`, as OAuth 2.0 says. */
  deny(request: AuthorizeRequest): string {
    return withQuery(request.redirectUri, { error: 'access_denied', ...stateOf(request) });
  }

  /** The token endpoint: `authorization_code` or `refresh_token`, each with the app's client id and secret. */
  async exchange(subdomain: string | null, form: Readonly<Record<string, string | undefined>>): Promise<TokenAnswer> {
    const grantType = form.grant_type;
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw new OAuthError('unsupported_grant_type', `grant_type must be authorization_code or refresh_token; got "${grantType ?? ''}"`);
    }
    const app = form.client_id ? await this.apps.find(form.client_id) : null;
    if (!app || !(await this.secretMatches(app.sealedSecret, form.client_secret ?? ''))) throw new OAuthError('invalid_client', 'client_id or client_secret is wrong');
    let grant: OAuthGrantRow | null;
    if (grantType === 'authorization_code') {
      if (!form.code) throw new OAuthError('invalid_request', 'code is missing');
      grant = await this.apps.takeCode(hashToken(form.code));
      if (grant && grant.redirectUri !== form.redirect_uri) throw new OAuthError('invalid_grant', 'redirect_uri is not the one the code was issued for');
    } else {
      if (!form.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is missing');
      grant = await this.apps.takeRefreshToken(hashToken(form.refresh_token));
    }
    const what = grantType === 'authorization_code' ? 'code' : 'refresh_token';
    if (!grant || grant.expiresAt <= this.now()) throw new OAuthError('invalid_grant', `${what} is unknown, used or expired`);
    if (grant.clientId !== app.client_id) throw new OAuthError('invalid_grant', `${what} was issued to another app`);
    const shop = await this.shops.findById(grant.shopId);
    if (!shop || !shop.active || (subdomain !== null && shop.subdomain !== subdomain)) throw new OAuthError('invalid_grant', `${what} was issued for another store`);
    return this.issue(app, shop, grant.scopes);
  }

  /**
   * Revokes every token, refresh token and code the app holds for the store, then `announce`s it
   * (the `app/uninstalled` webhook); how many access tokens went.
   */
  async uninstall(clientId: string, subdomain: string, announce?: (shop: Shop, clientId: string) => Promise<void>): Promise<number> {
    if (!(await this.apps.find(clientId))) throw noApp(clientId);
    const shop = await this.shops.find(subdomain);
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    const revoked = await this.apps.uninstall(clientId, shop.id);
    await announce?.(shop, clientId);
    return revoked;
  }

  /** The call the platform makes to the app's URL to start an install: `install_from`, `shop`, `store_id`, a timestamp and their `hmac`. */
  async installUrl(clientId: string, subdomain: string): Promise<string> {
    const app = await this.apps.find(clientId);
    if (!app) throw noApp(clientId);
    if (app.app_url === '') throw validation([`App ${clientId} has no app URL; create it with --app-url`]);
    const shop = await this.shops.find(subdomain);
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    const params = { install_from: 'app_store', shop: this.shopHost(shop), store_id: shop.id, timestamp: String(seconds(this.now())) };
    return withQuery(app.app_url, params, this.secrets.open(app.sealedSecret));
  }

  private async issue(app: App, shop: Shop, scopes: string[]): Promise<TokenAnswer> {
    const now = this.now();
    const accessToken = generateToken();
    const refreshToken = generateToken();
    const expiresAt = now + this.settings.accessTokenTtlMs;
    await this.tokens.create(shop.id, hashToken(accessToken), scopes, this.clock(), newTokenPublicId(), { clientId: app.client_id, expiresAt });
    await this.apps.saveRefreshToken(hashToken(refreshToken), { clientId: app.client_id, shopId: shop.id, scopes, expiresAt: now + this.settings.refreshTokenTtlMs });
    return {
      token_type: 'Bearer',
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_at: seconds(expiresAt),
      expires_in: seconds(this.settings.accessTokenTtlMs),
      store_id: shop.id,
      store_name: shop.name || shop.subdomain,
      scope: scopes.join(','),
      created_at: seconds(now),
      locale: 'en-US',
    };
  }

  private knownScopes(): readonly string[] {
    return knownScopes(this.settings.extraScopes);
  }

  private shopHost(shop: Shop): string {
    return `${shop.subdomain}.${this.settings.baseDomain}`;
  }

  private async secretMatches(sealed: string, given: string): Promise<boolean> {
    // Compared as hashes: equal lengths for timingSafeEqual, whatever was sent.
    return timingSafeEqual(Buffer.from(hash(this.secrets.open(sealed))), Buffer.from(hash(given)));
  }
}

/** The callback's `state`: what the app sent, or nothing when it sent none (an empty `state=` would be a value it never chose). */
export function stateOf(request: AuthorizeRequest): { state?: string } {
  return request.state !== undefined ? { state: request.state } : {};
}

function noApp(clientId: string) {
  return validation([`No app with client id ${clientId}; \`prodimg apps list\` shows them`]);
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '' && !text.includes('#');
  } catch {
    return false;
  }
}

/**
 * `base` with these parameters added to the ones it has, in Go's encoding; with `secret`, also their
 * `hmac` over all of them (the SDK checks every parameter of the callback but `hmac`).
 */
function withQuery(base: string, params: Readonly<Record<string, string>>, secret?: string): string {
  const url = new URL(base);
  const all: Record<string, string> = { ...Object.fromEntries(url.searchParams), ...params };
  if (secret !== undefined) all.hmac = oauthHmac(secret, all);
  url.search = '';
  return `${url.toString()}?${goQueryEncode(all)}`;
}
