import { createHash } from 'node:crypto';
import type { RecordIds, RecordKind } from '../storage/record-ids.js';

/**
 * A stand-in's ids: the n-th id made is a UUID (v4 form) derived from `--random-seed` and n, so the
 * same seed and the same calls give the same ids on every run. A seed entry's own ids are planned
 * first (`plan`), and taken in the order its records are created. `mark` and `rewind` let a reset
 * start the sequence again where the seed left it.
 */
export class SeededIds implements RecordIds {
  private made = 0;
  private readonly planned = new Map<RecordKind, string[]>();

  constructor(private readonly seed: number) {}

  next(kind: RecordKind): string {
    return this.planned.get(kind)?.shift() ?? asUuid(this.digest('id'));
  }

  /** A token for a seed store that names none: 64 hex digits, like the CLI's. */
  token(): string {
    return this.digest('token').toString('hex');
  }

  /** The next records of `kind` take these ids, in this order. */
  plan(kind: RecordKind, ids: readonly string[]): void {
    this.planned.set(kind, [...(this.planned.get(kind) ?? []), ...ids]);
  }

  /** The planned ids no record took, by kind; clears them. */
  unused(): Array<{ kind: RecordKind; ids: string[] }> {
    const left = [...this.planned].filter(([, ids]) => ids.length > 0).map(([kind, ids]) => ({ kind, ids }));
    this.planned.clear();
    return left;
  }

  mark(): number {
    return this.made;
  }

  rewind(to: number): void {
    this.made = to;
  }

  private digest(what: string): Buffer {
    return createHash('sha256').update(`prodimg:${what}:${this.seed}:${this.made++}`).digest();
  }
}

function asUuid(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
