/*
 * The failures of a request that are not an answer of the API (those are `ApiError`s): one class
 * each, with the facts as named fields, so a caller tells them apart without reading the message.
 */

/** A redirect the client would not follow; `location` is the answer's `Location` header as sent. */
export class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError';

  constructor(
    readonly status: number,
    /** The URL that answered the redirect. */
    readonly url: string,
    readonly location: string,
    /** Why, in words: another origin, a write turned into a GET, too many. */
    readonly reason: string,
  ) {
    super(`refused the ${status} redirect of ${url} to Location ${location}: ${reason}`);
  }
}

/** An answer longer than `maxResponseBytes`: cut off there, unread. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';

  constructor(
    readonly url: string,
    readonly maxBytes: number,
  ) {
    super(`the answer of ${url} is larger than ${maxBytes} bytes`);
  }
}

/** No whole answer (headers and body) within `timeoutMs`. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`no whole answer from ${url} within ${timeoutMs} ms`);
  }
}
