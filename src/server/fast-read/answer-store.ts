/**
 * Bytes the router sent, kept per result object and answer key. They hang off the object they were
 * made from (a WeakMap), which the read cache holds: when the cache drops or replaces an entry, its
 * bytes go with it, so stale bytes can never be answered.
 */
export class AnswerStore {
  private readonly bytes = new WeakMap<object, Map<string, Buffer>>();

  get(source: object, key: string): Buffer | undefined {
    return this.bytes.get(source)?.get(key);
  }

  put(source: object, key: string, body: Buffer): void {
    let byKey = this.bytes.get(source);
    if (!byKey) {
      byKey = new Map();
      this.bytes.set(source, byKey);
    }
    byKey.set(key, body);
  }

  has(source: object, key: string): boolean {
    return this.bytes.get(source)?.has(key) ?? false;
  }
}

/**
 * Everything an answer's bytes depend on besides the result they were made from: the API version
 * (its envelope) and the values of the request headers named in `vary` (e.g. `host`, once returned
 * URLs are built from it). Both the capture and the lookup make the key here.
 */
export function answerKey(version: string, vary: readonly string[], headers: Readonly<Record<string, string | string[] | undefined>>): string {
  if (vary.length === 0) return version;
  let key = version;
  for (const name of vary) key += `\n${String(headers[name] ?? '')}`;
  return key;
}
