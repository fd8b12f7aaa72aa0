import { randomUUID } from 'node:crypto';

/** The records whose ids a client sees (and a stand-in's seed may fix). */
export type RecordKind = 'shop' | 'product' | 'image' | 'option' | 'variant' | 'webhook';

/**
 * Where new records' ids come from: random UUIDs for a real server; a stand-in (src/stand-in/) gives
 * its repositories a sequence made from its seed, so an app's test snapshots stay the same run after run.
 */
export interface RecordIds {
  next(kind: RecordKind): string;
}

export const randomIds: RecordIds = { next: () => randomUUID() };
