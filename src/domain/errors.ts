/**
 * The closed set of failures the domain can report. The contract layer maps each kind to a status
 * code and body for the API version being spoken; nothing else decides how an error looks.
 */
export type ErrorKind =
  | 'BadRequest'
  | 'Unauthorized'
  | 'StoreInactive'
  | 'Forbidden'
  | 'NotFound'
  | 'RouteNotFound'
  | 'Validation'
  | 'PayloadTooLarge';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly messages: readonly string[],
  ) {
    super(`${kind}: ${messages.join('; ')}`);
    this.name = 'DomainError';
  }
}

export const badRequest = (why: string) => new DomainError('BadRequest', [`Bad Request: ${why}`]);
export const unauthorized = () => new DomainError('Unauthorized', ['Unauthorized']);
export const storeInactive = () => new DomainError('StoreInactive', ['store is not active']);
export const forbidden = (scope: string) =>
  new DomainError('Forbidden', [`Forbidden: this action requires the ${scope} scope`]);
/** Not found as reported by reads and updates: the platform says "Record not found" for both kinds. */
export const recordNotFound = () => new DomainError('NotFound', ['Record not found']);
/** Not found as reported by DELETE image, which names what is missing (and answers 404, not 422). */
export const namedNotFound = (what: 'Product' | 'Image') => new DomainError('RouteNotFound', [`${what} not found`]);
export const validation = (messages: readonly string[]) => new DomainError('Validation', messages);
export const payloadTooLarge = (why: string) => new DomainError('PayloadTooLarge', [`Payload Too Large: ${why}`]);
