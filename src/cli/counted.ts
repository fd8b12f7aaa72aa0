/** `1 row`, `2 rows`, `0 rows`: a count with its noun, singular for one. The nouns used take an `s`. */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
