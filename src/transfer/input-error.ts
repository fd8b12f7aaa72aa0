/** The input as a whole cannot be read (no header, a broken quote, not JSON Lines): nothing of it is applied. */
export class InputError extends Error {}
