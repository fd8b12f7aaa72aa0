import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import { API_PREFIX, versionRoot } from './api-path.js';
import type { ErrorFamily } from './error-catalogue.js';

/**
 * One served API version: its name in the path (`/openapi/<name>/...`), how it wraps a success
 * answer, and which column of the error catalogue it speaks. Adding a version is adding a descriptor
 * to API_VERSIONS; routes, the fast read path and error answers all take it from here.
 */
export interface ApiVersion {
  readonly name: string;
  readonly errors: ErrorFamily;
  /**
   * The webhook subscription's body (create, update): `flat` `{"topic","address"}`, or `wrapped`
   * `{"webhook":{"topic","address"}}` as the platform takes it from 2025-06 on.
   */
  readonly webhookBody: 'flat' | 'wrapped';
  /**
   * The 200 body around an operation's data, e.g. `{"image":{...}}` as it is, or inside an envelope.
   * `root`: the operation's `envelopeRoot`, the key whose value an envelope holds instead of the data.
   */
  success(data: object, root?: string): object;
  /** The schema of that body, from the schema of the data. */
  successSchema(data: TSchema, root?: string): TSchema;
}

/** 2020-07 and 2022-01: the data is the body, and errors are `{"errors":[...]}` (or `{"error":...}`). */
function classic(name: string): ApiVersion {
  return { name, errors: 'classic', webhookBody: 'flat', success: (data) => data, successSchema: (data) => data };
}

/**
 * 2025-06 and later: `{"code":"Success","data":<the data>}`, and errors `{"code":...,"message":...}`.
 * An operation with an `envelopeRoot` answers that key's value as `data` (the shop: `data.id`, not `data.shop.id`).
 */
function enveloped(name: string): ApiVersion {
  return {
    name,
    errors: 'envelope',
    webhookBody: 'wrapped',
    success: (data, root) => ({ code: 'Success', data: root === undefined ? data : (data as Record<string, unknown>)[root] }),
    successSchema: (data, root) => Type.Object({ code: Type.Literal('Success'), data: root === undefined ? data : (data as TObject).properties[root]! }),
  };
}

/** Oldest first. Any other version segment is an unknown route (404). */
export const API_VERSIONS: readonly ApiVersion[] = [classic('2020-07'), classic('2022-01'), enveloped('2025-06'), enveloped('2026-01')];

/** The version whose shapes answer requests that name none (an unknown path, `/cdn`, a malformed request). */
export const DEFAULT_VERSION: ApiVersion = API_VERSIONS[0]!;

const BY_PATH = new RegExp(`^${API_PREFIX}/([^/?]+)`);

/** The served version a URL names, or the default one. */
export function versionOfUrl(url: string | undefined): ApiVersion {
  const name = url ? BY_PATH.exec(url)?.[1] : undefined;
  return API_VERSIONS.find((version) => version.name === name) ?? DEFAULT_VERSION;
}

// `/openapi/products/<id>/images.json`, `/openapi/variants/<id>.json`: the unversioned paths with a `.json` suffix that older clients call.
const LEGACY = new RegExp(`^${API_PREFIX}/((?:products|variants)(?:/[^/?]+)*)\\.json(\\?.*)?$`);

/** The versioned path an unversioned legacy path stands for (answered as the oldest served version), or undefined. */
export function fromLegacyPath(url: string): string | undefined {
  const match = url.startsWith(`${API_PREFIX}/products`) || url.startsWith(`${API_PREFIX}/variants`) ? LEGACY.exec(url) : null;
  return match ? `${versionRoot(DEFAULT_VERSION.name)}/${match[1]}${match[2] ?? ''}` : undefined;
}
