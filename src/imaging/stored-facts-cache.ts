import type { FileFacts } from '../domain/image-audit.js';

/**
 * What a stored file was found to be, by its name. A name is its content's hash, so facts read from
 * it stay true: a server auditing the same galleries again (the admin page) reads and decodes each
 * file once. Only files read whole are kept (a missing one may be stored later), and at most `max`
 * of them: past that, it starts again.
 */
export class StoredFactsCache {
  private readonly facts = new Map<string, FileFacts>();

  constructor(private readonly max = 10_000) {}

  get(name: string): FileFacts | undefined {
    return this.facts.get(name);
  }

  remember(name: string, facts: FileFacts): void {
    if (facts.kind !== 'read') return;
    if (this.facts.size >= this.max) this.facts.clear();
    this.facts.set(name, facts);
  }
}
