import { Type } from '@sinclair/typebox';

/**
 * The OAuth endpoints' wire shapes, for the OpenAPI document (server/routes/oauth.ts serves them;
 * the truth test holds the answers to these schemas). They live on a store's own host, outside
 * `/openapi/{version}`, and need no Access-Token.
 */
const AuthorizeFields = {
  client_id: Type.String({ description: "the app's client id (`prodimg apps create`)" }),
  redirect_uri: Type.String({ description: 'exactly the redirect URI the app registered' }),
  response_type: Type.Literal('code'),
  scope: Type.Optional(Type.String({ description: "scopes the app registered (any of the platform's documented read_/write_ scopes, and PRODIMG_EXTRA_SCOPES), separated by spaces (`+`) or commas; an unknown one: `invalid_scope`; none: all it registered", examples: ['read_product write_product read_order'] })),
  state: Type.Optional(Type.String({ description: 'any text; it comes back unchanged on the callback; absent: the callback carries no state' })),
};

const AuthorizationCodeGrant = Type.Object({
  grant_type: Type.Literal('authorization_code'),
  client_id: Type.String(),
  client_secret: Type.String(),
  code: Type.String({ description: 'the `code` of the callback; it works once, for 10 minutes' }),
  redirect_uri: Type.String({ description: 'the same string as in the authorize step' }),
});
const RefreshTokenGrant = Type.Object({
  grant_type: Type.Literal('refresh_token'),
  client_id: Type.String(),
  client_secret: Type.String(),
  refresh_token: Type.String({ description: 'the last refresh token answered; it works once' }),
});

/** The token endpoint's answer, with the JSON types the platform's OAuth SDK insists on. */
export const TokenAnswerSchema = Type.Object(
  {
    token_type: Type.Literal('Bearer'),
    access_token: Type.String(),
    refresh_token: Type.String(),
    expires_at: Type.Integer({ description: 'unix seconds' }),
    expires_in: Type.Integer({ description: 'seconds' }),
    store_id: Type.String({ description: "the store's id, a string" }),
    store_name: Type.String(),
    scope: Type.String({ description: 'the granted scopes, comma-separated', examples: ['read_product,write_product'] }),
    created_at: Type.Integer({ description: 'unix seconds' }),
    locale: Type.String({ examples: ['en-US'] }),
  },
  { additionalProperties: false },
);

/** OAuth 2.0's error answer. */
export const OAuthErrorSchema = Type.Object(
  {
    error: Type.Union(['invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'unsupported_response_type', 'invalid_scope'].map((code) => Type.Literal(code))),
    error_description: Type.String(),
  },
  { additionalProperties: false },
);

type Json = Record<string, unknown>;
const page = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const redirect = (description: string) => ({ description, headers: { Location: { schema: { type: 'string', format: 'uri' } } } });
const form = (schema: unknown) => ({ required: true, content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } } });

/** The OAuth endpoints as OpenAPI path items; `plain` turns a TypeBox schema into plain JSON Schema. */
export function oauthPaths(plain: (schema: unknown) => Json): Record<string, Json> {
  const tags = ['OAuth'];
  const security: unknown[] = [];
  const required: readonly string[] = Type.Object(AuthorizeFields).required ?? [];
  const query = Object.entries(AuthorizeFields).map(([name, schema]) => ({ name, in: 'query', required: required.includes(name), schema: plain(schema) }));
  const tokenError = (description: string) => ({ description, content: { 'application/json': { schema: plain(OAuthErrorSchema) } } });
  return {
    '/admin/oauth/authorize': {
      get: {
        operationId: 'oauthAuthorize', tags, security, summary: 'Authorize an App',
        description:
          "On the store's own host. Answers a sign-in form (an admin key for this store or for every store), then, with the consent session it opens, the consent page; or with PRODIMG_OAUTH_AUTO_APPROVE=1 redirects at once to the redirect URI with `code`, `shop`, `state`, `timestamp` and `hmac` (hex HMAC-SHA256 of the others, in Go's query encoding, keyed by the client secret).",
        parameters: query,
        responses: { 200: page('the sign-in form, or the consent page'), 302: redirect('approved: back to the app with the code'), 400: page('refused: the page names the problem; never a redirect') },
      },
      post: {
        operationId: 'oauthDecide', tags, security, summary: "Approve or Deny an App",
        description:
          'What the consent page posts: the same fields, `decision` (`approve` or `deny`, which redirects with `error=access_denied`) and the page\'s `csrf_token`. Approving needs the consent session cookie of a key that may manage the store and the token made for this session and this request; a post from another site (`Origin`, `Sec-Fetch-Site`) is refused, denying included.',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: plain(Type.Object({ ...AuthorizeFields, decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]), csrf_token: Type.Optional(Type.String({ description: 'from the consent page; needed to approve' })) })),
            },
          },
        },
        responses: {
          302: redirect('back to the app, with the code or with error=access_denied'),
          400: page('refused: the page names the problem'),
          403: page('approval refused: no consent session, a key for another store, a token that does not fit, or a post from another site; never a redirect'),
        },
      },
    },
    '/admin/oauth/sign-in': {
      post: {
        operationId: 'oauthSignIn', tags, security, summary: 'Sign In to Approve an App',
        description:
          "What the sign-in form posts: the authorize fields and `key`, an admin key (`prodimg admin-key create`, with `--shop` for one store). Opens a consent session (cookie `prodimg_consent`, HttpOnly, SameSite=Lax, Path=/admin/oauth) and sends the browser back to the authorize step. Wrong keys are counted per client address, with the admin page's: past 10 in 15 minutes, 429 with Retry-After.",
        requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: plain(Type.Object({ ...AuthorizeFields, key: Type.String({ maxLength: 200 }) })) } } },
        responses: {
          303: redirect('signed in: back to the authorize step, which shows the consent page'),
          400: page('refused: the authorize fields name the problem'),
          401: page('the key is not valid: the form again'),
          403: page('a key for another store, or a post from another site'),
          429: { ...page('too many wrong keys from this address'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
        },
      },
    },
    '/admin/oauth/token': {
      post: {
        operationId: 'oauthToken', tags, security, summary: 'Get an Access Token',
        description: "On the store's own host: a code (once, within 10 minutes) or a refresh token (once) for an access token that expires after PRODIMG_OAUTH_TOKEN_TTL_SECONDS.",
        requestBody: form(plain(Type.Union([AuthorizationCodeGrant, RefreshTokenGrant]))),
        responses: {
          200: { description: 'the tokens', content: { 'application/json': { schema: plain(TokenAnswerSchema) } } },
          400: tokenError('invalid_request, invalid_grant or unsupported_grant_type'),
          401: tokenError('invalid_client: the client id or secret is wrong'),
        },
      },
    },
  };
}
