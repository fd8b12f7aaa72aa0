import { listAccessScopes } from '../../contract/operations/access-scopes.js';
import { bind, type Binding } from '../binding.js';

/** The token's own grant answers it: no use case or storage behind it. */
export function accessScopeBindings(): Binding[] {
  return [bind(listAccessScopes, { run: async (_request, grant) => grant.scopes })];
}
