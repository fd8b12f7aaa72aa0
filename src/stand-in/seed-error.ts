/** A seed that cannot be used: says which file (or `seed` option), which entry and which field. */
export class SeedError extends Error {
  override name = 'SeedError';

  constructor(
    source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}
