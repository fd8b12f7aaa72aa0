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

/** The most a journal keeps: the oldest go first, and `dropped` says how many. */
export const JOURNAL_MAX = 10_000;

/** The requests received since the last reset, oldest first, like WireMock's request journal. */
export class RequestJournal {
  private entries: JournalEntry[] = [];
  private droppedCount = 0;

  record(entry: JournalEntry): void {
    this.entries.push(entry);
    if (this.entries.length > JOURNAL_MAX) {
      this.entries.shift();
      this.droppedCount += 1;
    }
  }

  list(): { requests: JournalEntry[]; dropped: number } {
    return { requests: [...this.entries], dropped: this.droppedCount };
  }

  clear(): void {
    this.entries = [];
    this.droppedCount = 0;
  }
}
