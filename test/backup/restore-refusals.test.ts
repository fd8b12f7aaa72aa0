import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/imaging/blob-store.js';
import { openBlobStore } from '../../src/open-blob-store.js';
import { makePng } from '../imaging/fixtures/images.js';
import { type Origin, send, startOrigin } from '../imaging/fixtures/origin-server.js';
import { BIN, cliEnv } from '../reliability/support-server.js';
import { startApi, type TestApi } from '../support/api.js';
import { runProcess } from '../support/run-process.js';

/** One line on stderr naming the problem, never a stack trace. */
const ONE_LINE = /^prodimg: [^\n]+\n$/;

describe('prodimg restore refuses what is not a sound backup, and backup reports files it cannot find', () => {
  let dir: string;
  let dataDir: string;
  let archive: string;
  const prodimg = (args: string[], env: Record<string, string> = {}, target = join(dir, `target-${Math.random().toString(36).slice(2)}`)) =>
    runProcess(process.execPath, [BIN, ...args], cliEnv({ dataDir: target, extra: env }), `prodimg ${args.join(' ')}`);
  const file = (name: string, bytes: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  /** A copy of the backup's entries, changed by `change`, packed again with `entries`. */
  const repacked = async (name: string, entries: string[], change: (unpacked: string) => void) => {
    const unpacked = join(dir, `${name}.d`);
    mkdirSync(unpacked);
    await extract({ file: archive, cwd: unpacked });
    change(unpacked);
    const path = join(dir, name);
    await create({ cwd: unpacked, file: path, portable: true }, entries);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prodimg-refusals-'));
    dataDir = join(dir, 'data');
    expect((await prodimg(['shops', 'create', 'kept'], {}, dataDir)).status).toBe(0);
    archive = join(dir, 'backup.tar');
    const made = await prodimg(['backup', '--out', archive, '--quiet'], {}, dataDir);
    expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: '' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['random bytes', () => file('random.tar', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251))), /is not a prodimg backup \(not a readable tar archive: /],
    ['a JSON file', () => file('manifest.json', '{"format":"prodimg-backup"}'), /is not a prodimg backup \(not a readable tar archive: /],
    ['an empty file', () => file('empty.tar', ''), /is not a prodimg backup \(not a readable tar archive: /],
  ])('%s: one line, exit code 2', async (_what, make, message) => {
    const res = await prodimg(['restore', make(), '--quiet']);
    expect(res.stderr).toMatch(ONE_LINE);
    expect(res.stderr).toMatch(message);
    expect(res.status).toBe(2);
  });

  it('a tar of something else: refused before anything is extracted', async () => {
    file('notes.txt', 'hello');
    const other = join(dir, 'other.tar');
    await create({ cwd: dir, file: other }, ['notes.txt']);
    const target = join(dir, 'untouched');
    const res = await prodimg(['restore', other, '--quiet'], {}, target);
    expect(res).toMatchObject({ status: 2, stderr: `prodimg: ${other} is not a prodimg backup (it starts with "notes.txt", not manifest.json)\n` });
    expect(existsSync(target)).toBe(false);
  });

  it('a cut-off backup is damaged: exit code 2, and the target gets no database', async () => {
    const cut = file('cut.tar', readFileSync(archive).subarray(0, 4096));
    const target = join(dir, 'cut-target');
    const res = await prodimg(['restore', cut, '--quiet'], {}, target);
    expect(res.stderr).toMatch(ONE_LINE);
    expect(res.stderr).toMatch(new RegExp(`^prodimg: ${cut} is damaged: `));
    expect(res.status).toBe(2);
    expect(existsSync(join(target, 'prodimg.sqlite'))).toBe(false);
  });

  it('an entry no backup has (a file beside the database) refuses the whole archive', async () => {
    const odd = await repacked('odd.tar', ['manifest.json', 'prodimg.sqlite', 'run-me.sh'], (unpacked) => writeFileSync(join(unpacked, 'run-me.sh'), 'echo hi'));
    const res = await prodimg(['restore', odd, '--quiet']);
    expect(res).toMatchObject({ status: 2, stderr: `prodimg: ${odd} is not a prodimg backup (it holds "run-me.sh", which no backup has)\n` });
  });

  it('a damaged database inside: exit code 2, named', async () => {
    const broken = await repacked('broken-db.tar', ['manifest.json', 'prodimg.sqlite'], (unpacked) => {
      const db = readFileSync(join(unpacked, 'prodimg.sqlite'));
      writeFileSync(join(unpacked, 'prodimg.sqlite'), Buffer.concat([db.subarray(0, 100), Buffer.alloc(db.length - 100, 0x5a)]));
    });
    const res = await prodimg(['restore', broken, '--quiet']);
    expect(res.stderr).toMatch(ONE_LINE);
    expect(res.stderr).toMatch(new RegExp(`^prodimg: the database in ${broken} is damaged`));
    expect(res.status).toBe(2);
  });

  it('a backup of a newer format is refused, naming the version that made it', async () => {
    const newer = await repacked('newer.tar', ['manifest.json', 'prodimg.sqlite'], (unpacked) => {
      const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'));
      writeFileSync(join(unpacked, 'manifest.json'), JSON.stringify({ ...manifest, format_version: 99, prodimg_version: '9.0.0' }));
    });
    const res = await prodimg(['restore', newer, '--quiet']);
    expect(res).toMatchObject({ status: 2, stderr: `prodimg: ${newer} is a backup of format 99, made by prodimg 9.0.0; this prodimg reads format 1: restore it with that version or newer\n` });
  });

  it('a SQLite backup with DATABASE_URL set, or with the other blob store: refused, saying which setting to change', async () => {
    const pg = await prodimg(['restore', archive], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(pg).toMatchObject({ status: 2, stderr: 'prodimg: the backup holds a SQLite database: unset DATABASE_URL to restore it into PRODIMG_DATA_DIR\n' });
    const blobs = await prodimg(['restore', archive], { PRODIMG_BLOB_STORE: 'database' });
    expect(blobs).toMatchObject({ status: 2, stderr: "prodimg: the backup's image files are in the data directory: set PRODIMG_BLOB_STORE=local\n" });
  });

  it('backup: no PRODIMG_DATA_DIR, no database in it, or --out in a folder that does not exist: exit code 2, one line', async () => {
    const absent = await prodimg(['backup', '--out', join(dir, 'x.tar')], {}, join(dir, 'nowhere'));
    expect(absent).toMatchObject({ status: 2, stderr: `prodimg: PRODIMG_DATA_DIR (${join(dir, 'nowhere')}) does not exist: it must be the servers' data directory\n` });
    mkdirSync(join(dir, 'nothing-here'));
    const empty = await prodimg(['backup', '--out', join(dir, 'x.tar')], {}, join(dir, 'nothing-here'));
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^prodimg: there is no database at .*prodimg\.sqlite: PRODIMG_DATA_DIR must be the data directory of a prodimg server\n$/);
    const nowhere = await prodimg(['backup', '--out', join(dir, 'no', 'such', 'x.tar')], {}, dataDir);
    expect(nowhere).toMatchObject({ status: 2, stderr: `prodimg: --out ${join(dir, 'no', 'such', 'x.tar')}: the folder ${join(dir, 'no', 'such')} does not exist\n` });
  });

  it("a killed backup's staging folder (its process gone) is removed by the next backup; a running one's is left", async () => {
    // Above the largest pid Linux gives (2^22), so no process has it.
    const dead = join(dataDir, '.backup-4194999-leftover');
    const alive = join(dataDir, `.backup-${process.pid}-running`);
    for (const folder of [dead, alive]) mkdirSync(join(folder, 'images'), { recursive: true });
    const res = await prodimg(['backup', '--out', join(dir, 'again.tar'), '--quiet'], {}, dataDir);
    expect(res.status).toBe(0);
    expect([existsSync(dead), existsSync(alive)]).toEqual([false, true]);
    rmSync(alive, { recursive: true });
  });

  describe('a referenced file missing from the data directory', () => {
    let api: TestApi;
    let blobs: BlobStore;
    let origin: Origin;
    beforeAll(async () => {
      origin = await startOrigin({ '/lost.png': send(await makePng(9, 9), 'image/png') });
      api = await startApi('sqlite', { env: { PRODIMG_INGEST: 'fetch', PRODIMG_ALLOW_PRIVATE_SOURCES: '1' } });
      blobs = openBlobStore(api.config, api.db.database);
    });
    afterAll(async () => {
      await api.close();
      await origin.close();
    });

    it('backup writes the archive, lists the file loudly and exits 1; restore brings back the rest and reports it again', async () => {
      const { id } = await api.product();
      const lost = (await api.call('POST', `products/${id}/images`, { image: { src: origin.url('/lost.png') } })).json().image;
      await blobs.delete(lost.path);
      const out = join(dir, 'incomplete.tar');
      const backup = await prodimg(['backup', '--out', out, '--quiet'], {}, api.db.dataDir);
      expect(backup.status).toBe(1);
      expect(backup.stderr).toContain(`prodimg backup: MISSING FILES: 1 files the database references were not on disk, so they are not in the backup: ${lost.path}\n`);
      expect(backup.stdout).toMatch(/, 1 image, 0 files\n$/);
      const restore = await prodimg(['restore', out, '--quiet']);
      expect(restore.status).toBe(1);
      expect(restore.stdout).toMatch(/^prodimg restore: restored 1 store, 1 product, 1 image, 0 files from /);
      expect(restore.stderr).toContain(`MISSING FILES: 1 files the database references are not in the backup; the images using them have no file (\`prodimg audit\` lists them): ${lost.path}\n`);
    });
  });
});
