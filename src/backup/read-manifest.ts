import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { MANIFEST, type Manifest, notABackup, parseManifest } from './archive-layout.js';

/** Far more than any manifest, even one listing thousands of missing files. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * The manifest of an archive, read from its first entry without going further: a wrong file (not a
 * tar, another tar, another dialect's backup) is refused before anything is extracted.
 */
export function readManifest(file: string): Promise<Manifest> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(file);
    const parser = new Parser({ strict: true });
    let done = false;
    const finish = (error: Error | null, manifest?: Manifest) => {
      if (done) return;
      done = true;
      input.destroy();
      if (error) reject(error);
      else resolve(manifest!);
    };
    parser.on('entry', (entry: ReadEntry) => {
      if (done) return entry.resume();
      if (entry.path !== MANIFEST || entry.type !== 'File') return finish(notABackup(file, `it starts with ${JSON.stringify(entry.path)}, not ${MANIFEST}`));
      if (entry.size > MAX_MANIFEST_BYTES) return finish(notABackup(file, `its ${MANIFEST} is ${entry.size} bytes`));
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        try {
          finish(null, parseManifest(Buffer.concat(chunks).toString('utf8'), file));
        } catch (error) {
          finish(error as Error);
        }
      });
    });
    parser.on('error', (error: Error) => finish(notABackup(file, `not a readable tar archive: ${error.message}`)));
    parser.on('end', () => finish(notABackup(file, `it holds no ${MANIFEST}`)));
    input.on('data', (chunk) => parser.write(chunk as Buffer));
    input.on('end', () => parser.end());
    input.on('error', (error) => finish(error));
  });
}
