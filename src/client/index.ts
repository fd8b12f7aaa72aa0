/**
 * `prodimg/client`: a typed client of the admin API. It loads nothing but these files (no server,
 * database or image library), and its types are the route schemas' own.
 */
export { ApiError } from './api-error.js';
export { RedirectRefusedError, RequestTimeoutError, ResponseTooLargeError } from './request-errors.js';
export { type Client, type ClientOptions, createClient } from './client.js';
export type { ImagesResource } from './images.js';
export type { ProductsResource } from './products.js';
export type { RetryEvent } from './transport.js';
export type * from './types.js';
export type { VariantsResource } from './variants.js';
