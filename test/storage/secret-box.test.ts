import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSecretKey, openSecretBox, SecretBox, SecretKeyError } from '../../src/secret-box.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/databases.js';

describe('sealed secrets', () => {
  it('open what they sealed, never the same text twice, and refuse another key or a changed seal', () => {
    const box = new SecretBox(randomBytes(32));
    const [a, b] = [box.seal('client secret'), box.seal('client secret')];
    expect(a).not.toBe(b);
    expect(a).not.toContain('client');
    expect(box.open(a)).toBe('client secret');
    expect(() => new SecretBox(randomBytes(32)).open(a)).toThrow();
    // Regression (1 run in 64 failed): the replaced character is the second-to-last, so it is the one
    // compared; the last one may carry only padding bits, which a change would leave the bytes as they are.
    const changed = `${a.slice(0, -2)}${a.at(-2) === 'A' ? 'B' : 'A'}${a.slice(-1)}`;
    expect(changed).not.toBe(a);
    expect(() => box.open(changed)).toThrow();
  });
});

describe.each(DIALECTS)('the secret key of a database on %s', (dialect) => {
  let db: TestDatabase;
  afterEach(() => db.drop());

  it('is made once in the data directory (mode 600), and a server with another key is refused', async () => {
    db = await freshDatabase(dialect);
    const first = await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database);
    const file = join(db.dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretKey(undefined, db.dataDir).toString('hex')).toBe(readFileSync(file, 'utf8').trim());
    // The same key again: fine, and what it sealed opens.
    const again = await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database);
    expect(again.open(first.seal('x'))).toBe('x');
    const other = randomBytes(32).toString('hex');
    await expect(openSecretBox({ secretKey: other, dataDir: db.dataDir }, db.database)).rejects.toThrow(
      new SecretKeyError('PRODIMG_SECRET_KEY cannot open the secrets in this database: every server sharing it needs the same PRODIMG_SECRET_KEY'),
    );
  });
});
