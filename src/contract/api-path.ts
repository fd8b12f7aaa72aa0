/**
 * Where the API is served: every version below `/openapi/<version>`, as on the platform. The router,
 * the fast read path, CORS, the legacy paths, the OpenAPI document and the client (through its
 * generated routes) all take it from here.
 */
export const API_PREFIX = '/openapi';

/** The root of one version's operations, e.g. `/openapi/2022-01`. */
export function versionRoot(versionName: string): string {
  return `${API_PREFIX}/${versionName}`;
}
