import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecretBox } from '../../src/secret-box.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { DIALECTS, freshDatabase } from '../support/databases.js';
import { WAIT_MS } from '../support/waiting.js';

describe.each(DIALECTS)('serve with a secret key that cannot open the database’s secrets, on %s', (dialect) => {
  it('is refused in one line with exit code 2, before listening', async () => {
    const db = await freshDatabase(dialect);
    try {
      // The database's secrets were sealed with the data directory's key file.
      await openSecretBox({ secretKey: undefined, dataDir: db.dataDir }, db.database);
      const extra = { PRODIMG_SECRET_KEY: randomBytes(32).toString('hex') };
      const res = spawnSync(process.execPath, [BIN, 'serve', '--port', '0'], { env: cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra }), encoding: 'utf8', timeout: WAIT_MS });
      expect(res.status).toBe(2);
      expect(res.stderr.trim().split('\n')).toEqual([
        'prodimg: PRODIMG_SECRET_KEY cannot open the secrets in this database: every server sharing it needs the same PRODIMG_SECRET_KEY',
      ]);
      expect(res.stdout).not.toContain('prodimg listening');
      const bad = spawnSync(process.execPath, [BIN, 'serve', '--port', '0'], { env: cliEnv({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, extra: { PRODIMG_SECRET_KEY: 'short' } }), encoding: 'utf8', timeout: WAIT_MS });
      expect({ status: bad.status, stderr: bad.stderr.trim() }).toEqual({ status: 2, stderr: 'prodimg: PRODIMG_SECRET_KEY must be 64 hex digits (a 32-byte key), e.g. from `openssl rand -hex 32`' });
    } finally {
      await db.drop();
    }
  });
});
