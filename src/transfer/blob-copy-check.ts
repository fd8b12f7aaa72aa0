import { createHash } from 'node:crypto';
import { blobHash, isVariantName } from '../imaging/blob-store.js';

export const md5Of = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/**
 * Why a source file must not be copied, or null. An original's name is the md5 of its bytes, so its
 * bytes prove themselves; a variant's name carries its original's hash, not its own, so only the
 * read-back of the copy (copyProblem) checks it.
 */
export function sourceProblem(name: string, md5: string): string | null {
  if (isVariantName(name) || md5 === blobHash(name)) return null;
  return `the source file's md5 is ${md5}, not the ${blobHash(name)} its name says: the source file is damaged, so it was not copied`;
}

/** Why the copy read back from the target is not the source's bytes, or null. */
export function copyProblem(source: { size: number; md5: string }, copy: { size: number; md5: string } | null): string | null {
  if (copy === null) return 'the target does not hold the file just written to it';
  if (copy.size !== source.size) return `the copy read back from the target has ${copy.size} bytes, the source ${source.size}`;
  if (copy.md5 !== source.md5) return `the copy read back from the target has md5 ${copy.md5}, the source ${source.md5}`;
  return null;
}
