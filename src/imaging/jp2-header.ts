import { J2K_CODESTREAM_START } from './sniff.js';

export interface Jp2Header {
  width: number;
  height: number;
  /** The codestream ends with its EOC marker, so the file was not cut short. */
  complete: boolean;
}

/**
 * Reads the size of a JPEG 2000 file (JP2 boxes or a raw codestream) from its SIZ marker, for sharp
 * builds without a JPEG 2000 decoder (the prebuilt binaries have none). Null when it is malformed.
 */
export function readJp2Header(bytes: Uint8Array): Jp2Header | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const codestream = startsWith(buffer, J2K_CODESTREAM_START) ? buffer : findCodestreamBox(buffer);
  if (codestream === null || !startsWith(codestream, J2K_CODESTREAM_START) || codestream.length < 24) return null;
  // SIZ: marker(2) Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4); the image is the grid minus its offset.
  const siz = codestream.subarray(2);
  const width = siz.readUInt32BE(6) - siz.readUInt32BE(14);
  const height = siz.readUInt32BE(10) - siz.readUInt32BE(18);
  if (width <= 0 || height <= 0) return null;
  const end = codestream.length;
  const complete = codestream[end - 2] === 0xff && codestream[end - 1] === 0xd9;
  return { width, height, complete };
}

/** The content of the top-level `jp2c` box; a box running past the end of the file is cut to it. */
function findCodestreamBox(buffer: Buffer): Buffer | null {
  let at = 0;
  while (at + 8 <= buffer.length) {
    let length = buffer.readUInt32BE(at);
    let header = 8;
    if (length === 1) {
      if (at + 16 > buffer.length) return null;
      const extended = buffer.readBigUInt64BE(at + 8);
      length = extended > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(extended);
      header = 16;
    } else if (length === 0) {
      length = buffer.length - at; // "to the end of the file"
    }
    if (length < header) return null;
    if (buffer.toString('latin1', at + 4, at + 8) === 'jp2c') {
      return buffer.subarray(at + header, Math.min(at + length, buffer.length));
    }
    at += length;
  }
  return null;
}

function startsWith(buffer: Buffer, signature: readonly number[]): boolean {
  return signature.every((byte, i) => buffer[i] === byte);
}
