import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Database } from './storage/database.js';
import { makeDirectory } from './storage/make-directory.js';

/**
 * Secrets prodimg must use again, not just compare (apps' client secrets, stores' webhook secrets:
 * they sign), sealed at rest with AES-256-GCM under one key: PRODIMG_SECRET_KEY, or the key file
 * `<data dir>/secret.key` made on first use. Servers sharing a database must share the key; one
 * that cannot open what the database holds refuses to start (`openSecretBox`).
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a secret key is 32 bytes');
  }

  seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /** Throws when `sealed` was not made with this key (or was changed). */
  open(sealed: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('not a sealed secret');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

const KEY_FILE = 'secret.key';
const CHECK = 'prodimg secret key check';

/** The key from PRODIMG_SECRET_KEY (64 hex digits, checked by config.ts), else the data directory's key file, made when missing. */
export function loadSecretKey(secretKey: string | undefined, dataDir: string): Buffer {
  if (secretKey !== undefined) return Buffer.from(secretKey, 'hex');
  const path = join(dataDir, KEY_FILE);
  if (!existsSync(path)) {
    // 'wx': two processes starting at once keep the first one's key.
    try {
      makeDirectory(dataDir);
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !existsSync(path)) throw new SecretKeyError(`cannot make the secret key file ${path}: ${(err as Error).message}`);
    }
    chmodSync(path, 0o600);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new SecretKeyError(`${path} must hold 64 hex digits (a 32-byte key)`);
  return Buffer.from(text, 'hex');
}

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/**
 * The box for this database: the first server to start seals a check value into it; every later one
 * must open it, or it is refused with one clear message (its key is not the one the secrets were sealed with).
 */
export async function openSecretBox(options: { secretKey: string | undefined; dataDir: string }, database: Database): Promise<SecretBox> {
  const box = new SecretBox(loadSecretKey(options.secretKey, options.dataDir));
  const db = database.db;
  await sql`INSERT INTO secret_key_check (id, sealed) VALUES (1, ${box.seal(CHECK)}) ON CONFLICT (id) DO NOTHING`.execute(db);
  const row = await db.selectFrom('secret_key_check').select('sealed').where('id', '=', 1).executeTakeFirstOrThrow();
  let opened: string | undefined;
  try {
    opened = box.open(row.sealed);
  } catch {
    opened = undefined;
  }
  if (opened !== CHECK) {
    const source = options.secretKey !== undefined ? 'PRODIMG_SECRET_KEY' : `the key in ${join(options.dataDir, KEY_FILE)}`;
    throw new SecretKeyError(`${source} cannot open the secrets in this database: every server sharing it needs the same PRODIMG_SECRET_KEY`);
  }
  return box;
}
