import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { sliceStream } from '../../src/imaging/slice-stream.js';

const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
/** The bytes in chunks of `size`, as a file stream would deliver them. */
const chunked = (size: number) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

describe('sliceStream', () => {
  it.each([
    [0, 99, 7],
    [0, 0, 7],
    [99, 99, 7],
    [13, 14, 7],
    [14, 20, 7],
    [7, 13, 7],
    [50, 150, 100],
    [3, 96, 1],
  ])('bytes %i-%i in chunks of %i', async (start, end, size) => {
    expect(await buffer(sliceStream(chunked(size), start, end))).toEqual(bytes.subarray(start, end + 1));
  });

  it('stops reading and destroys the source once past the end', async () => {
    const source = chunked(10);
    expect(await buffer(sliceStream(source, 0, 14))).toEqual(bytes.subarray(0, 15));
    expect(source.destroyed).toBe(true);
  });
});
