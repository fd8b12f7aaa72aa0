import { API_PREFIX, versionRoot } from '../../contract/api-path.js';
import type { ApiVersion } from '../../contract/versions.js';
import { STORED_UUID_GROUP } from '../../domain/uuid.js';
import type { Binding } from '../binding.js';

/** A request the fast read path may answer: which operation, in which version, with which path parameters. */
export interface FastReadMatch {
  binding: Binding;
  version: ApiVersion;
  params: Record<string, string>;
  /** The route pattern the router registers for it (its metrics label). */
  route: string;
}

interface Pattern {
  regex: RegExp;
  names: string[];
  binding: Binding;
  staticSegments: number;
  /** The router's pattern of this path in each version, made once: no string is built per request. */
  routes: Map<string, string>;
}

/**
 * Recognises the URLs of GET operations, built from their declared paths, in exactly the form the
 * router matches with the parameters as given: no query string, no escapes, no empty or extra
 * segments, UUIDs in lower case as they are stored (anything else is null and left to the router). When several declared paths match, the
 * one with more fixed segments wins, as in the router (`/images/count` is not an image id). Only a
 * match of a fast-read operation is returned.
 */
export function fastReadRoutes(versions: readonly ApiVersion[], bindings: readonly Binding[]): (url: string) => FastReadMatch | null {
  const byName = new Map(versions.map((version) => [version.name, version]));
  const versionGroup = versions.map((version) => version.name.replace(/[^\w-]/g, '\\$&')).join('|');
  const patterns: Pattern[] = bindings
    .filter((binding) => binding.operation.method === 'GET')
    .map((binding) => {
      const names: string[] = [];
      const segments = binding.operation.path.split('/').filter(Boolean);
      const source = segments
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[^\w-]/g, '\\$&');
          const name = segment.slice(1);
          names.push(name);
          return binding.operation.params?.properties?.[name]?.format === 'uuid' ? STORED_UUID_GROUP : '([^/?%]+)';
        })
        .join('/');
      return {
        regex: new RegExp(`^${API_PREFIX}/(${versionGroup})/${source}$`),
        names,
        binding,
        staticSegments: segments.length - names.length,
        routes: new Map(versions.map((version) => [version.name, versionRoot(version.name) + binding.operation.path])),
      };
    })
    .sort((a, b) => b.staticSegments - a.staticSegments);
  return (url) => {
    for (const pattern of patterns) {
      const match = pattern.regex.exec(url);
      if (match === null) continue;
      if (!pattern.binding.operation.fastRead) return null;
      const params: Record<string, string> = {};
      pattern.names.forEach((name, i) => (params[name] = match[i + 2]!));
      return { binding: pattern.binding, version: byName.get(match[1]!)!, params, route: pattern.routes.get(match[1]!)! };
    }
    return null;
  };
}
