import { type AuthorizeRequest, type OAuthError, stateOf } from '../domain/app-service.js';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Every page of the authorize step: no script, no resource from anywhere, and never inside a frame
 * (a framed consent page could be clicked through by the page around it).
 */
export const OAUTH_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
button{font:inherit;padding:.5rem 1.25rem;margin-right:.5rem;border-radius:.375rem;border:1px solid #555;background:#fff;cursor:pointer}
button[value=approve],button.primary{background:#1a56db;border-color:#1a56db;color:#fff}code{background:#f2f2f2;padding:0 .25rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}input[type=password]{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;margin-bottom:1rem}
.problem{color:#b00020;font-weight:600}form{display:inline}</style>
</head><body>${body}</body></html>`;

/** The authorize request's own fields, as hidden inputs: every form of the step posts them back. */
function authorizeFields(request: AuthorizeRequest): string {
  return Object.entries(authorizeQuery(request))
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
    .join('');
}

/** The authorize request's parameters, normalised (scopes space-separated): for forms and for the link back to the step. */
export function authorizeQuery(request: AuthorizeRequest): Record<string, string> {
  return { client_id: request.app.client_id, redirect_uri: request.redirectUri, scope: request.scopes.join(' '), response_type: 'code', ...stateOf(request) };
}

const cancelButton = (request: AuthorizeRequest) =>
  `<form method="post" action="/admin/oauth/authorize">${authorizeFields(request)}<button type="submit" name="decision" value="deny">Cancel</button></form>`;

/**
 * The sign-in form of the consent step: the merchant proves they run the store with an admin key (one
 * for every store, or one made with `prodimg admin-key create --shop`), then sees the consent page.
 */
export function signInPage(request: AuthorizeRequest, problem?: string): string {
  return page(
    `Sign in to install ${request.app.name}`,
    `<h1>Sign in to install ${escape(request.app.name)} on ${escape(request.shop.name)}</h1>
<p>Installing an app on the store <strong>${escape(request.shop.subdomain)}</strong> needs its administrator: sign in with an admin key
(<code>prodimg admin-key create --shop ${escape(request.shop.subdomain)}</code> makes one for this store).</p>
${problem ? `<p class="problem" role="alert" id="sign-in-problem">${escape(problem)}</p>` : ''}
<form method="post" action="/admin/oauth/sign-in">${authorizeFields(request)}
<label for="key">Admin key</label><input id="key" name="key" type="password" autocomplete="off" required maxlength="200">
<button type="submit" class="primary">Sign in</button>
</form>
${cancelButton(request)}`,
  );
}

/**
 * The consent page of the authorize step: which app, which store, which scopes, and a form whose
 * buttons post the same request back with the merchant's decision and `csrfToken`, which fits this
 * session and this request only.
 */
export function consentPage(request: AuthorizeRequest, csrfToken: string): string {
  const scopes = scopeLines(request.scopes).map((line) => `<li>${line.map((scope) => `<code>${escape(scope)}</code>`).join(' ')}</li>`).join('');
  return page(
    `Install ${request.app.name}`,
    `<h1>Install ${escape(request.app.name)} on ${escape(request.shop.name)}?</h1>
<p>The app asks for access to the store <strong>${escape(request.shop.subdomain)}</strong> with these scopes:</p>
<ul>${scopes}</ul>
<p>It will be sent back to <code>${escape(request.redirectUri)}</code>.</p>
<form method="post" action="/admin/oauth/authorize">${authorizeFields(request)}<input type="hidden" name="csrf_token" value="${escape(csrfToken)}">
<button type="submit" name="decision" value="approve">Install app</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

/** An app may ask for thirty scopes: one line per resource (read_order and write_order together), in the order asked. */
function scopeLines(scopes: readonly string[]): string[][] {
  const lines = new Map<string, string[]>();
  for (const scope of scopes) {
    const resource = scope.replace(/^(read|write)_/, '');
    lines.set(resource, [...(lines.get(resource) ?? []), scope]);
  }
  return [...lines.values()];
}

/** A refused authorize request: said on the page, never redirected to an address the app did not register. */
export function refusalPage(error: OAuthError): string {
  return page('The app cannot be installed', `<h1>The app cannot be installed</h1><p>${escape(error.description)}</p><p><code>${escape(error.error)}</code></p>`);
}

/** A decision refused (no session, a token that does not fit, another site): why, and a way back to the step. */
export function decisionRefusedPage(request: AuthorizeRequest, why: string, startAgain: string): string {
  return page(
    'The app was not installed',
    `<h1>The app was not installed</h1><p id="refused">The decision was refused: ${escape(why)}.</p>
<p><a href="${escape(startAgain)}">Start the installation of ${escape(request.app.name)} again</a></p>`,
  );
}
