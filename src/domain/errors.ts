/**
 * The closed set of failures. Each carries a code and the facts behind it, never HTTP words: the
 * contract's error catalogue (contract/error-catalogue.ts) decides each code's status and body for
 * the API version being spoken.
 */
export type ErrorCode =
  /** The request cannot be understood as sent (its type, its JSON, its shape, its URL). */
  | 'BadRequest'
  | 'Unauthorized'
  | 'StoreInactive'
  /** The token lacks the scope named in `messages[0]`. */
  | 'Forbidden'
  /** A product or image that the request reads or changes does not exist for this store. */
  | 'RecordNotFound'
  /** DELETE of an image names what is missing. */
  | 'ProductNotFound'
  | 'ImageNotFound'
  /** `GET /shop/{shop_id}` names a store other than the token's (or none). */
  | 'ShopNotFound'
  /** No route for the method and path. */
  | 'RouteNotFound'
  /** One message per problem with the request's values. */
  | 'Validation'
  | 'PayloadTooLarge'
  /** The caller's rate-limit bucket is full: `messages[0]` says which; `facts.retryAfterSeconds` how long to wait. */
  | 'RateLimited'
  /** The server is saturated (queues full): `messages[0]` says with what; retry after `facts.retryAfterSeconds` (1 when absent). */
  | 'Overloaded'
  /** The disk (or the database's) is full: `messages[0]` says where. */
  | 'InsufficientStorage'
  /**
   * Where images are kept cannot take or give files for now (a read-only disk, a bucket out of
   * reach): `messages[0]` says which and why. Every blob store's failures end here, as full ones
   * end in InsufficientStorage.
   */
  | 'StorageUnavailable'
  | 'ShuttingDown'
  | 'DatabaseUnavailable'
  | 'Internal';

/** Facts an error carries by name, besides its words: read by the catalogue for headers, never by position. */
export interface ErrorFacts {
  /** RateLimited and Overloaded: the seconds a client should wait before it retries (Retry-After). */
  readonly retryAfterSeconds?: number;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** The words, in the client's terms where there are any: field problems, the reason, the scope. */
    readonly messages: readonly string[] = [],
    readonly facts: ErrorFacts = {},
  ) {
    super(`${code}${messages.length > 0 ? `: ${messages.join('; ')}` : ''}`);
    this.name = 'DomainError';
  }
}

export const badRequest = (why: string) => new DomainError('BadRequest', [why]);
export const unauthorized = () => new DomainError('Unauthorized');
export const storeInactive = () => new DomainError('StoreInactive');
export const forbidden = (scope: string) => new DomainError('Forbidden', [scope]);
export const recordNotFound = () => new DomainError('RecordNotFound');
export const productNotFound = () => new DomainError('ProductNotFound');
export const imageNotFound = () => new DomainError('ImageNotFound');
export const shopNotFound = () => new DomainError('ShopNotFound');
export const routeNotFound = () => new DomainError('RouteNotFound');
export const validation = (messages: readonly string[]) => new DomainError('Validation', messages);
export const payloadTooLarge = (why: string) => new DomainError('PayloadTooLarge', [why]);
export const rateLimited = (why: string, retryAfterSeconds: number) => new DomainError('RateLimited', [why], { retryAfterSeconds });
export const overloaded = (why: string, retryAfterSeconds?: number) =>
  new DomainError('Overloaded', [why], retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
export const insufficientStorage = (why: string) => new DomainError('InsufficientStorage', [why]);
export const storageUnavailable = (why: string) => new DomainError('StorageUnavailable', [why]);
export const shuttingDown = () => new DomainError('ShuttingDown');
export const databaseUnavailable = () => new DomainError('DatabaseUnavailable');
export const internal = () => new DomainError('Internal');
