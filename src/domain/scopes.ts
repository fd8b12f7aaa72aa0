/**
 * The platform's documented scopes, read/write pairs, stated once: an app asks for what it needs
 * across the whole platform, so every one of them installs, even where prodimg serves no endpoint
 * for it. `write_shop` is listed as the 2020-07 reference lists it (2025-06 shows only `read_shop`).
 */
export const SCOPES = [
  'read_shop', 'write_shop',
  'read_themes', 'write_themes',
  'read_shop_navigation', 'write_shop_navigation',
  'read_product', 'write_product',
  'read_collection', 'write_collection',
  'read_comments', 'write_comments',
  'read_payment_info', 'write_payment_info',
  'read_order', 'write_order',
  'read_customer', 'write_customer',
  'read_price_rules', 'write_price_rules',
  'read_gift_cards', 'write_gift_cards',
  'read_app_proxy', 'write_app_proxy',
  'read_data', 'write_data',
  'read_script_tags', 'write_script_tags',
  'read_finance', 'write_finance',
] as const;

/** A documented scope: what an operation may require. */
export type Scope = (typeof SCOPES)[number];

/** The shape of a scope's name: what PRODIMG_EXTRA_SCOPES may list. */
export const SCOPE_NAME = /^(read|write)_[a-z_]+$/;

/** What apps may register and tokens may carry: the documented scopes, then the extra ones configured (PRODIMG_EXTRA_SCOPES). */
export function knownScopes(extra: readonly string[] = []): readonly string[] {
  return [...new Set([...SCOPES, ...extra])];
}

/** The names in `asked` that are not in `known`, each once, in the order asked. */
export function unknownScopes(asked: readonly string[], known: readonly string[]): string[] {
  return [...new Set(asked.filter((scope) => !known.includes(scope)))];
}

/** Why `unknown` are refused, in one sentence that names them. */
export function unknownScopesProblem(unknown: readonly string[]): string {
  const s = unknown.length > 1 ? 's' : '';
  return `Unknown scope${s} ${unknown.join(', ')}: a scope is one of the platform's documented read_/write_ scopes (${SCOPES.join(', ')}) or one PRODIMG_EXTRA_SCOPES lists`;
}
