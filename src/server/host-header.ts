/**
 * What is wrong with a request's Host header, in the words of a 400, or null when it is sound. HTTP/1.1
 * requires a server to refuse a request with more than one Host, or an invalid one (RFC 9112 3.2):
 * a store is chosen by its Host, so an ambiguous or unparseable one must not slip past the store
 * check (`storeb.myshoplaza.localhost:abc` used to). Node keeps only the first Host in
 * `headers`, so the raw list is read. Pure, for the table test.
 */
export function hostFault(rawHeaders: readonly string[]): string | null {
  let host: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 4 || rawHeaders[i]!.toLowerCase() !== 'host') continue;
    if (host !== undefined) return 'the request has more than one Host header';
    host = rawHeaders[i + 1]!;
  }
  if (host === undefined || host === '' || HOST.test(host)) return null;
  return 'the Host header is not valid (expected a host name and an optional numeric port)';
}

/** `uri-host [ ":" port ]`: a bracketed IP literal or a name of URI-safe characters, and digits only after the colon. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{0,5})?$/;
