import { Readable } from 'node:stream';

/**
 * Bytes `start` to `end` (inclusive) of `source`, for a store without a ranged read of its own
 * (StoredBlob.range): the bytes before `start` are read and dropped; fine for images of a few MiB. Stopping early destroys
 * `source`, which closes its file.
 */
export function sliceStream(source: Readable, start: number, end: number): Readable {
  async function* slice(): AsyncGenerator<Buffer> {
    let offset = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      if (to > from) yield chunk.subarray(from, to);
      if (offset > end) return;
    }
  }
  return Readable.from(slice(), { objectMode: false });
}
