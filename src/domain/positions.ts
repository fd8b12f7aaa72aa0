/**
 * Position arithmetic for a product's gallery, kept pure so it can be table-tested. Positions are
 * always exactly 1..n; the storage layer applies these ranges inside one locked transaction.
 */

/** Where a new image lands among `count` existing ones: the requested slot, or the end. */
export function insertPosition(requested: number | undefined, count: number): number {
  if (requested === undefined || requested > count) return count + 1;
  return requested;
}

/** Where an existing image lands when moved among `count` images (itself included). */
export function movePosition(requested: number, count: number): number {
  return Math.min(requested, count);
}

/**
 * The block of other images that shifts when one image moves from `from` to `to`:
 * rows with position in [low, high] move by `delta` (+1 or -1). Null when nothing moves.
 */
export function shiftForMove(from: number, to: number): { low: number; high: number; delta: 1 | -1 } | null {
  if (to === from) return null;
  if (to < from) return { low: to, high: from - 1, delta: 1 };
  return { low: from + 1, high: to, delta: -1 };
}
