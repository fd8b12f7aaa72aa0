import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_SESSION_MS, type AdminAuth, type AdminSession, mayManage } from '../../domain/admin-auth.js';
import { type AppService, type AuthorizeRequest, OAuthError } from '../../domain/app-service.js';
import { subdomainOf } from '../../domain/auth-service.js';
import { DomainError } from '../../domain/errors.js';
import { CONSENT_COOKIE, clearedCookie, sessionCookie, sessionIdOf } from '../admin/admin-cookie.js';
import { crossSiteReason } from '../cross-site.js';
import { authorizeQuery, consentPage, decisionRefusedPage, OAUTH_PAGE_CSP, refusalPage, signInPage } from '../oauth-pages.js';
import { type SignInThrottle, throttledSignIn } from '../sign-in-throttle.js';

type Form = Record<string, string | undefined>;

export interface OAuthRoutesOptions {
  apps: AppService;
  baseDomain: string;
  /** PRODIMG_OAUTH_AUTO_APPROVE=1: every valid authorize request is approved at once, with no one signed in. */
  autoApprove: boolean;
  /** Admin keys and sessions: the consent page's sign-in. */
  auth: AdminAuth;
  /** Wrong keys per address, shared with the admin page's sign-in. */
  throttle: SignInThrottle;
}

/** What approving grants, which a consent form's CSRF token is bound to (no state and an empty one differ: only the second comes back). */
const granted = (asked: AuthorizeRequest) => [asked.shop.id, asked.app.client_id, asked.redirectUri, asked.scopes.join(' '), asked.state === undefined ? 'none' : `state=${asked.state}`];
const stepUrl = (asked: AuthorizeRequest) => `/admin/oauth/authorize?${new URLSearchParams(authorizeQuery(asked)).toString()}`;

/**
 * The platform's OAuth endpoints on a store's own host (`<store>.<base domain>`): the authorize
 * step (a sign-in form, then a consent page, or an immediate approval with
 * PRODIMG_OAUTH_AUTO_APPROVE=1) and the token endpoint. Approving needs a consent session for this
 * host, opened with an admin key that may manage the store, and the consent form's CSRF token.
 * Outside /openapi: their answers are HTML pages, redirects and OAuth 2.0's JSON, not the API's shapes.
 */
export async function registerOAuthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  const { apps, auth, baseDomain } = options;
  const storeOf = (host: string | undefined) => subdomainOf(host, baseDomain);
  await app.register(async (oauth) => {
    // Form bodies, as the platform's SDK posts them (URLSearchParams reads + as a space); JSON is read by the app's own parser.
    oauth.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const html = (reply: FastifyReply, status: number, body: string) =>
      reply
        .code(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-security-policy', OAUTH_PAGE_CSP)
        // For browsers older than CSP's frame-ancestors.
        .header('x-frame-options', 'DENY')
        .send(body);
    const refused = (reply: FastifyReply, error: unknown) => {
      if (error instanceof OAuthError) return html(reply, 400, refusalPage(error));
      throw error;
    };
    const secure = (request: FastifyRequest) => request.protocol === 'https';
    /** The consent session this browser holds on this host, if it is still open. */
    const sessionOf = async (request: FastifyRequest): Promise<AdminSession | null> => {
      const id = sessionIdOf(request.headers.cookie, CONSENT_COOKIE);
      if (!id) return null;
      try {
        return await auth.session(id);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'Unauthorized') return null;
        throw error;
      }
    };
    const crossSite = (request: FastifyRequest) => crossSiteReason({ origin: one(request.headers.origin), 'sec-fetch-site': one(request.headers['sec-fetch-site']) }, request.headers.host);

    /** A handler of the authorize step: the request's form (query or body) checked as an authorize request first. */
    const step =
      (handler: (request: FastifyRequest, reply: FastifyReply, asked: AuthorizeRequest, form: Form) => Promise<unknown>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const form = formOf(request.method === 'GET' ? request.query : request.body);
        let asked: AuthorizeRequest;
        try {
          asked = await apps.authorize(storeOf(request.headers.host), form);
        } catch (error) {
          return refused(reply, error);
        }
        return handler(request, reply, asked, form);
      };

    oauth.get('/admin/oauth/authorize', step(async (request, reply, asked) => {
      if (options.autoApprove) return reply.redirect(await apps.approve(asked), 302);
      const session = await sessionOf(request);
      if (!session) return html(reply, 200, signInPage(asked));
      if (!mayManage(session, asked.shop.id)) return html(reply, 200, signInPage(asked, `You are signed in with a key for another store; sign in with a key for ${asked.shop.subdomain}.`));
      return html(reply, 200, consentPage(asked, auth.consentToken(session, granted(asked))));
    }));

    oauth.post('/admin/oauth/sign-in', step(async (request, reply, asked, form) => {
      const why = crossSite(request);
      if (why) return html(reply, 403, signInPage(asked, `The sign-in was refused: ${why}.`));
      const key = (form.key ?? '').trim();
      try {
        // A longer value is no key: refused as a wrong one, without hashing whatever was sent.
        const signedIn = await throttledSignIn(options.throttle, request.ip, request.log, () => auth.signIn(key.length > 200 ? '' : key, asked.shop.id));
        reply.header('set-cookie', sessionCookie(signedIn.sessionId, ADMIN_SESSION_MS, secure(request), CONSENT_COOKIE));
        // Back to the step (see other, a GET): the consent page, which a reload does not post again.
        return reply.redirect(stepUrl(asked), 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.code === 'Unauthorized') {
          reply.header('set-cookie', clearedCookie(secure(request), CONSENT_COOKIE));
          return html(reply, 401, signInPage(asked, 'That admin key is not valid.'));
        }
        if (error.code === 'RateLimited') {
          const seconds = error.facts.retryAfterSeconds ?? 1;
          reply.header('retry-after', String(seconds));
          return html(reply, 429, signInPage(asked, `Too many wrong admin keys from this address: try again in ${Math.ceil(seconds / 60)} minutes.`));
        }
        if (error.code === 'Forbidden') return html(reply, 403, signInPage(asked, `That key manages another store; sign in with a key for ${asked.shop.subdomain}.`));
        throw error;
      }
    }));

    oauth.post('/admin/oauth/authorize', step(async (request, reply, asked, form) => {
      const why = crossSite(request);
      if (why) return html(reply, 403, decisionRefusedPage(asked, why, stepUrl(asked)));
      // Denying grants nothing and goes back only to the app's registered address: no sign-in needed
      // (the sign-in form has its Cancel too), as on the platform.
      if (form.decision !== 'approve') return reply.redirect(apps.deny(asked), 302);
      const session = await sessionOf(request);
      if (!session) return html(reply, 403, decisionRefusedPage(asked, 'no one is signed in to approve it (or the sign-in has ended)', stepUrl(asked)));
      if (!mayManage(session, asked.shop.id)) return html(reply, 403, decisionRefusedPage(asked, `the signed-in key manages another store, not ${asked.shop.subdomain}`, stepUrl(asked)));
      if (!auth.checkConsentToken(session, granted(asked), form.csrf_token)) {
        return html(reply, 403, decisionRefusedPage(asked, 'its form token does not fit this sign-in and this request', stepUrl(asked)));
      }
      return reply.redirect(await apps.approve(asked), 302);
    }));

    oauth.post('/admin/oauth/token', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      try {
        return await apps.exchange(storeOf(request.headers.host), formOf(request.body));
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        return reply.code(error.error === 'invalid_client' ? 401 : 400).send({ error: error.error, error_description: error.description });
      }
    });
  });
}

/** A posted body's (or the query's) string fields: a JSON body may hold anything, a repeated parameter is an array, and what is not a string counts as absent. */
function formOf(body: unknown): Form {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).filter(([, value]) => typeof value === 'string'));
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
