/**
 * A token's, code's or app's scopes as one column holds them, comma-separated. Every name is kept:
 * each was checked when written, and an extra scope taken out of PRODIMG_EXTRA_SCOPES later still
 * names what was granted (no endpoint needs it).
 */
export function storedScopes(column: string): string[] {
  return column.split(',').filter(Boolean);
}
