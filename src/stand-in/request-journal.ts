import { redactQuery } from '../server/request-log.js';

/** One request a stand-in received, as GET /__prodimg/requests lists it. */
export interface JournalEntry {
  method: string;
  /** As sent: path and query, secrets in the query redacted. */
  path: string;
  status: number;
  /** The JSON (or OAuth form) body as parsed, secrets redacted; null when there was none (or it was not JSON). */
  body: unknown;
  request_id: string;
}

/** The most a journal keeps: the oldest go first beyond either bound, and `dropped` says how many. */
export const JOURNAL_MAX = 10_000;
export const JOURNAL_MAX_BYTES = 32 * 1024 * 1024;

/** The requests received since the last reset, oldest first, like WireMock's request journal. */
export class RequestJournal {
  private entries: Array<{ entry: JournalEntry; bytes: number }> = [];
  private bytes = 0;
  private droppedCount = 0;

  /** Keeps the entry with its secrets redacted (`redactSecrets`): the journal is readable by any local process. */
  record(sent: JournalEntry): void {
    const entry = { ...sent, path: redactQuery(sent.path, isSecretName, REDACTED), body: redactSecrets(sent.body) };
    // Bodies may be up to the body limit each: the journal's memory is bounded by their size, not only their number.
    const bytes = entry.path.length + (entry.body === null ? 0 : JSON.stringify(entry.body).length);
    this.entries.push({ entry, bytes });
    this.bytes += bytes;
    while (this.entries.length > JOURNAL_MAX || (this.bytes > JOURNAL_MAX_BYTES && this.entries.length > 1)) {
      this.bytes -= this.entries.shift()!.bytes;
      this.droppedCount += 1;
    }
  }

  list(): { requests: JournalEntry[]; dropped: number } {
    return { requests: this.entries.map(({ entry }) => entry), dropped: this.droppedCount };
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
    this.droppedCount = 0;
  }
}

/** What a secret's value reads as in the journal. */
export const REDACTED = '[redacted]';

/**
 * Names whose values are secrets, whatever their case and with `-` or `_`: the OAuth token
 * endpoint's `client_secret`, `code` and `refresh_token`, any `token`, `*_token` (`access_token`,
 * `Access-Token`) or `*_secret`, and `password`.
 */
const SECRET_NAME = /^(?:code|token|secret|password|.*_token|.*_secret)$/;

const isSecretName = (name: string) => SECRET_NAME.test(name.toLowerCase().replace(/-/g, '_'));

/** `value` with every secret-named key's value, at any depth, replaced by REDACTED. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, isSecretName(key) ? REDACTED : redactSecrets(inner)]));
}
