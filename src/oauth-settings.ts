import type { Config } from './config.js';
import type { OAuthSettings } from './domain/app-service.js';

/** A code works for 10 minutes (OAuth 2.0's advice), a refresh token for 30 days, an access token for PRODIMG_OAUTH_TOKEN_TTL_SECONDS; PRODIMG_EXTRA_SCOPES adds scopes. */
export function oauthSettings(config: Config): OAuthSettings {
  return { baseDomain: config.baseDomain, codeTtlMs: 10 * 60_000, accessTokenTtlMs: config.oauth.accessTokenTtlMs, refreshTokenTtlMs: 30 * 86_400_000, extraScopes: config.oauth.extraScopes };
}
