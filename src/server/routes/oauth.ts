import type { FastifyInstance, FastifyReply } from 'fastify';
import { type AppService, OAuthError } from '../../domain/app-service.js';
import { subdomainOf } from '../../domain/auth-service.js';
import { consentPage, refusalPage } from '../oauth-pages.js';

type Form = Record<string, string | undefined>;

/**
 * The platform's OAuth endpoints on a store's own host (`<store>.<base domain>`): the authorize
 * step (a consent page, or an immediate approval with PRODIMG_OAUTH_AUTO_APPROVE=1) and the token
 * endpoint. Outside /openapi: their answers are HTML pages, redirects and OAuth 2.0's JSON, not the
 * API's shapes.
 */
export async function registerOAuthRoutes(app: FastifyInstance, options: { apps: AppService; baseDomain: string; autoApprove: boolean }): Promise<void> {
  const { apps, baseDomain } = options;
  const storeOf = (host: string | undefined) => subdomainOf(host, baseDomain);
  await app.register(async (oauth) => {
    // Form bodies, as the platform's SDK posts them (URLSearchParams reads + as a space); JSON is read by the app's own parser.
    oauth.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const html = (reply: FastifyReply, status: number, body: string) =>
      reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
    const refused = (reply: FastifyReply, error: unknown) => {
      if (error instanceof OAuthError) return html(reply, 400, refusalPage(error));
      throw error;
    };

    oauth.get('/admin/oauth/authorize', async (request, reply) => {
      try {
        const asked = await apps.authorize(storeOf(request.headers.host), request.query as Form);
        if (options.autoApprove) return reply.redirect(await apps.approve(asked), 302);
        return html(reply, 200, consentPage(asked));
      } catch (error) {
        return refused(reply, error);
      }
    });

    oauth.post('/admin/oauth/authorize', async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      try {
        const asked = await apps.authorize(storeOf(request.headers.host), form);
        return reply.redirect(form.decision === 'approve' ? await apps.approve(asked) : apps.deny(asked), 302);
      } catch (error) {
        return refused(reply, error);
      }
    });

    oauth.post('/admin/oauth/token', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      try {
        return await apps.exchange(storeOf(request.headers.host), (request.body ?? {}) as Form);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        return reply.code(error.error === 'invalid_client' ? 401 : 400).send({ error: error.error, error_description: error.description });
      }
    });
  });
}
