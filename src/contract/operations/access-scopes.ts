import { Type } from '@sinclair/typebox';
import { defineOperation } from '../operation.js';

const AccessScopes = Type.Object({ access_scopes: Type.Array(Type.Object({ handle: Type.String({ examples: ['read_product'] }) })) });

export const listAccessScopes = defineOperation({
  id: 'listAccessScopes', method: 'GET', path: '/oauth/access_scopes', scope: null, tag: 'Access Scope', params: Type.Object({}),
  summary: 'Get Access Scopes',
  description: 'Retrieves the access scopes granted to the token making the call, as an app checks them right after install.',
  response: AccessScopes, errors: [], answer: (scopes: readonly string[]) => ({ access_scopes: scopes.map((handle) => ({ handle })) }),
});
