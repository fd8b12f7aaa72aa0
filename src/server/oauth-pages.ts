import type { AuthorizeRequest, OAuthError } from '../domain/app-service.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
button{font:inherit;padding:.5rem 1.25rem;margin-right:.5rem;border-radius:.375rem;border:1px solid #555;background:#fff;cursor:pointer}
button[value=approve]{background:#1a56db;border-color:#1a56db;color:#fff}code{background:#f2f2f2;padding:0 .25rem}</style>
</head><body>${body}</body></html>`;

/**
 * The consent page of the authorize step: which app, which store, which scopes, and a form whose
 * buttons post the same request back with the merchant's decision.
 */
export function consentPage(request: AuthorizeRequest): string {
  const hidden = {
    client_id: request.app.client_id,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    response_type: 'code',
    state: request.state,
  };
  const fields = Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
    .join('');
  const scopes = request.scopes.map((scope) => `<li><code>${escape(scope)}</code></li>`).join('');
  return page(
    `Install ${request.app.name}`,
    `<h1>Install ${escape(request.app.name)} on ${escape(request.shop.name)}?</h1>
<p>The app asks for access to the store <strong>${escape(request.shop.subdomain)}</strong> with these scopes:</p>
<ul>${scopes}</ul>
<p>It will be sent back to <code>${escape(request.redirectUri)}</code>.</p>
<form method="post" action="/admin/oauth/authorize">${fields}
<button type="submit" name="decision" value="approve">Install app</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

/** A refused authorize request: said on the page, never redirected to an address the app did not register. */
export function refusalPage(error: OAuthError): string {
  return page('The app cannot be installed', `<h1>The app cannot be installed</h1><p>${escape(error.description)}</p><p><code>${escape(error.error)}</code></p>`);
}
