/** One request a stand-in received, as GET /__prodimg/requests lists it. */
export interface JournalEntry {
  method: string;
  /** As sent: path and query. */
  path: string;
  status: number;
  /** The JSON body as parsed; null when there was none (or it was not JSON). */
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

  record(entry: JournalEntry): void {
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
