import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_VARIANT_SIZES, loadConfig } from '../../src/config.js';
import { configureSharp } from '../../src/imaging/image-transform.js';
import { BIN } from '../reliability/support-server.js';
import { WAIT_MS } from '../support/waiting.js';
import { DOC_FILES } from '../support/doc-examples.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const text = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const DOCS = DOC_FILES;
const POSTGRES = 'postgres://user@db.example.com:5432/prodimg';

interface Row {
  name: string;
  /** The Default cell's text for this variable. */
  cell: string;
}

/** The README's settings table (`| Variable | Default | Meaning |`), one entry per variable (`A` / `B` rows split). */
function readmeSettings(): Row[] {
  const lines = text('README.md').split('\n');
  const start = lines.findIndex((line) => line.startsWith('| Variable | Default |'));
  expect(start).toBeGreaterThan(0);
  const rows: Row[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [names, defaults] = line.split(/ \| /).map((cell) => cell.replace(/^\| /, ''));
    const nameList = names!.split(' / ').map((name) => name.replace(/`/g, ''));
    const defaultList = nameList.length > 1 ? defaults!.split(' / ') : [defaults!];
    expect(defaultList, line).toHaveLength(nameList.length);
    nameList.forEach((name, i) => rows.push({ name, cell: defaultList[i]!.trim() }));
  }
  return rows;
}

/**
 * Defaults the table describes in words rather than as a value: the value that means the same to
 * loadConfig, and what `prodimg --help` says for it.
 */
const DESCRIBED: Record<string, { cell: string; env: string; help: RegExp }> = {
  PRODIMG_CDN_HOST: { cell: "the request's Host + `/cdn`", env: '', help: /^unset: the request's Host \+ \/cdn$/ },
  PRODIMG_PUBLIC_URL: { cell: 'the listen address', env: '', help: /^unset: the listen address$/ },
  PRODIMG_RENDER_CONCURRENCY: { cell: 'number of cores', env: String(availableParallelism()), help: /^the number of cores$/ },
  PRODIMG_CORS_ORIGINS: { cell: "this server's own origins", env: '', help: /^unset: this server's own origins$/ },
  PRODIMG_INGEST_KEEP_MB: { cell: '`PRODIMG_INGEST_CONCURRENCY` x `PRODIMG_MAX_SOURCE_MB`', env: '', help: /^INGEST_CONCURRENCY x MAX_SOURCE_MB$/ },
  PRODIMG_SECRET_KEY: { cell: '`<PRODIMG_DATA_DIR>/secret.key`, made once', env: '', help: /^unset: <data dir>\/secret\.key, made once$/ },
  // A value with a colon, which the comparison below would cut at it.
  PRODIMG_RATE_LIMIT: { cell: '`app:40/2,store:80/20`', env: 'app:40/2,store:80/20', help: /^app:40\/2,store:80\/20$/ },
};

/** The value a documented default stands for, as the environment would give it. */
function documentedValue({ name, cell }: Row): string {
  const described = DESCRIBED[name];
  if (described) {
    expect(cell, name).toBe(described.cell);
    return described.env;
  }
  if (cell === 'unset') return '';
  const value = /^`([^`]+)`/.exec(cell)?.[1];
  expect(value, `${name}: a default in backticks, or one described in DESCRIBED`).toBeDefined();
  if (value!.includes('...')) {
    // `100,...,2048`: the ends of the list, which docs/images.md gives in full.
    const [first, last] = value!.split(',...,');
    expect(DEFAULT_VARIANT_SIZES.startsWith(`${first},`) && DEFAULT_VARIANT_SIZES.endsWith(`,${last}`), value).toBe(true);
    return DEFAULT_VARIANT_SIZES;
  }
  return value!;
}

/** `prodimg --help`'s Environment list: the text in brackets after each setting. */
function helpDefaults(help: string): Map<string, string> {
  const section = help.slice(help.indexOf('Environment ('));
  const entries = new Map<string, string>();
  let current: string | undefined;
  let body = '';
  const flush = () => {
    if (current) entries.set(current, /\[([^\]]*)\]\s*$/.exec(body.replace(/\s+/g, ' '))?.[1] ?? '');
  };
  for (const line of section.split('\n').slice(1)) {
    const start = /^ {2}([A-Z][A-Z0-9_]+)\s+(.*)$/.exec(line);
    if (start) {
      flush();
      current = start[1];
      body = start[2]!;
    } else if (/^ {4,}/.test(line)) {
      body += ` ${line.trim()}`;
    }
  }
  flush();
  return entries;
}

describe("the README's settings table against config.ts and `prodimg --help`", () => {
  const rows = readmeSettings();

  it('lists the settings once each', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
  });

  it('names only settings loadConfig reads (the converse is test/cli/help.test.ts)', () => {
    const read = new Set<string>();
    loadConfig(new Proxy({} as NodeJS.ProcessEnv, { get: (_t, key) => (typeof key === 'string' && read.add(key), undefined) }));
    expect(rows.map((row) => row.name).filter((name) => !read.has(name))).toEqual([]);
  });

  it('gives each default as loadConfig has it: setting the documented value changes nothing', () => {
    const defaults = loadConfig({});
    const wrong = rows.filter((row) => JSON.stringify(loadConfig({ [row.name]: documentedValue(row) })) !== JSON.stringify(defaults));
    expect(wrong.map((row) => `${row.name}: ${row.cell}`)).toEqual([]);
  });

  it('and the defaults that depend on another setting (`local` (`database` with `DATABASE_URL`))', () => {
    const conditional = rows.flatMap((row) => [...row.cell.matchAll(/\(`(\w+)` with `(\w+)`\)/g)].map((m) => ({ name: row.name, value: m[1]!, when: m[2]! })));
    expect(conditional).toEqual([{ name: 'PRODIMG_BLOB_STORE', value: 'database', when: 'DATABASE_URL' }]);
    for (const { name, value, when } of conditional) {
      const env = { [when]: POSTGRES };
      expect(loadConfig({ ...env, [name]: value })).toEqual(loadConfig(env));
    }
  });

  it('"a bad value gets a one-line error": every setting refuses one, in one line naming it', () => {
    expect(text('README.md')).toContain('a bad value gets a one-line error and exit code 2');
    const unchecked: string[] = [];
    for (const { name } of rows) {
      const refusal = ['not valid!', '-1', 'x\u0000'].map((bad) => {
        try {
          loadConfig({ [name]: bad });
          return undefined;
        } catch (err) {
          return err;
        }
      }).find((err) => err !== undefined);
      if (!(refusal instanceof ConfigError) || !refusal.message.includes(name) || refusal.message.includes('\n')) unchecked.push(`${name}: ${String(refusal)}`);
    }
    // test/cli/cli.test.ts and lifecycle.test.ts run `prodimg serve` with bad values: one line on stderr, exit code 2.
    expect(unchecked).toEqual([]);
  });

  it('gives each default as `prodimg --help` does', () => {
    const res = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(res.status).toBe(0);
    const help = helpDefaults(res.stdout);
    expect([...help.keys()].sort()).toEqual(rows.map((row) => row.name).sort());
    const differ = rows.filter((row) => {
      const said = help.get(row.name)!;
      const described = DESCRIBED[row.name];
      if (described) return !described.help.test(said);
      if (row.cell === 'unset') return said !== 'unset';
      // `local` (`database` with `DATABASE_URL`) is `[local; database with DATABASE_URL]` there.
      return said.split(/[;:]/)[0]!.trim() !== documentedValue(row);
    });
    expect(differ.map((row) => `${row.name}: README ${row.cell}, --help [${help.get(row.name)}]`)).toEqual([]);
  });
});

describe('defaults given in passing in the docs (`PRODIMG_FETCH_TIMEOUT_MS` (30 s))', () => {
  it('are the ones loadConfig has', () => {
    const found: string[] = [];
    const wrong: string[] = [];
    for (const doc of DOCS) {
      for (const m of text(doc).matchAll(/`(PRODIMG_[A-Z_]+)`\s*\((?:default )?(\d+)(?: (s|MiB))?[,)]/g)) {
        const [, name, number, unit] = m;
        if (name === 'PRODIMG_TEST_WAIT_MS') continue; // a test setting, checked below
        // `(10 s)` of a _MS setting is 10000; `(20)` of a _MB setting is 20 MiB, as the variable counts.
        const value = unit === 's' && name!.endsWith('_MS') ? String(Number(number) * 1000) : number!;
        found.push(`${doc}: ${name} (${number}${unit ? ` ${unit}` : ''})`);
        if (JSON.stringify(loadConfig({ [name!]: value })) !== JSON.stringify(loadConfig({}))) wrong.push(found.at(-1)!);
      }
    }
    expect(found.length).toBeGreaterThan(8);
    expect(wrong).toEqual([]);
  });

  it('PRODIMG_TEST_WAIT_MS (default 120000) is the default of test/support/waiting.ts', () => {
    const documented = /`PRODIMG_TEST_WAIT_MS` \(default (\d+)/.exec(text('docs/reliability.md'))?.[1];
    expect(documented).toBeDefined();
    // `: 120_000;`, the fallback when the variable is not set.
    expect(text('test/support/waiting.ts')).toContain(`: ${documented!.replace(/\B(?=(\d{3})+$)/g, '_')};`);
  });

  it('the full list of variant sizes in docs/images.md is the default', () => {
    const listed = /`PRODIMG_VARIANT_SIZES` \(default\s+`([\d,]+)`\)/.exec(text('docs/images.md'))?.[1];
    expect(listed).toBe(DEFAULT_VARIANT_SIZES);
  });
});

describe('every `NAME=value` the docs give outside the shell blocks run as they are', () => {
  /** Variables that are not prodimg settings, and the file that reads each. */
  const READ_BY: Record<string, string> = {
    TEST_DATABASE_URL: 'test/support/databases.ts',
    PRODIMG_STRESS: 'test/support/stress.ts',
    PRODIMG_SCREENSHOTS: 'test/support/screenshots.ts',
    BENCH_PG_URL: 'bench/run.mjs',
    // Read by glibc and its dynamic linker when the process starts; test/cli/deploy.test.ts and package.test.ts check the deploy files' servers run on them.
    MALLOC_ARENA_MAX: 'deploy/Dockerfile',
    LD_PRELOAD: 'deploy/Dockerfile',
    // The source's token of `prodimg mirror` alone, not a setting of the server (docs/mirror.md).
    PRODIMG_MIRROR_TOKEN: 'src/cli/mirror-command.ts',
    // Turns off the test run's S3 gateway (README, the test command).
    PRODIMG_TEST_S3: 'test/support/s3-gateway.ts',
    // The AWS SDK's own settings, which it reads for the S3 store's client (docs/images.md).
    AWS_ENDPOINT_URL_S3: 'src/imaging/s3-client.ts',
    AWS_ACCESS_KEY_ID: 'src/imaging/s3-client.ts',
    AWS_SECRET_ACCESS_KEY: 'src/imaging/s3-client.ts',
  };

  it('is a setting loadConfig takes with that value, or a variable a test, the bench or the deploy files read', () => {
    const settings = new Set(readmeSettings().map((row) => row.name));
    const found: string[] = [];
    const wrong: string[] = [];
    for (const doc of DOCS) {
      // The walkthrough, the OAuth install and the production blocks, whose `export` lines add up, are run as they are
      // (readme-walkthrough.test.ts, readme-oauth.test.ts, test/deploy/readme-production.test.ts).
      const prose = text(doc)
        .replace(/^## (One-minute walkthrough|Installing an app through OAuth)[\s\S]*?^```sh\n[\s\S]*?^```/gm, '')
        .replace(/^### (Images in S3-compatible storage|Several servers)\n[\s\S]*?^```sh\n[\s\S]*?^```/gm, '');
      // The settings of one line are taken together: `PRODIMG_BLOB_STORE=s3 PRODIMG_S3_BUCKET=images`.
      for (const line of prose.split('\n')) {
        const assigned = [...line.matchAll(/\b([A-Z][A-Z0-9_]{3,})=([^\s`)]+)/g)].map(([, name, value]) => [name!, value!] as const);
        const together = Object.fromEntries(assigned.filter(([name]) => settings.has(name)));
        for (const [name, value] of assigned) {
          found.push(`${name}=${value}`);
          if (settings.has(name)) {
            try {
              loadConfig(together);
            } catch (err) {
              wrong.push(`${doc}: ${name}=${value}: ${(err as Error).message}`);
            }
          } else if (!READ_BY[name] || !text(READ_BY[name]!).includes(name)) {
            wrong.push(`${doc}: ${name}=${value} is neither a setting nor read where this test expects`);
          }
        }
      }
    }
    expect(found.length).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });
});

describe("docs/images.md's sharp settings", () => {
  const section = text('docs/images.md').split('### sharp settings')[1]!.split('\n### ')[0]!;

  it('are the calls configureSharp makes', () => {
    const documented = [...section.matchAll(/`(sharp\.\w+\([^)]*\))`/g)].map((m) => m[1]).sort();
    const source = text('src/imaging/image-transform.ts');
    const body = /export function configureSharp\(\): void \{([\s\S]*?)\n\}/.exec(source)![1]!;
    const made = [...body.matchAll(/(sharp\.\w+\([^)]*\));/g)].map((m) => m[1]).sort();
    expect(documented).toEqual(['sharp.cache(false)', 'sharp.concurrency(1)']);
    expect(made).toEqual(documented);
  });

  it('take effect: no libvips cache, one thread per image', () => {
    configureSharp();
    const cache = sharp.cache() as { memory: { max: number }; files: { max: number }; items: { max: number } };
    expect([cache.memory.max, cache.files.max, cache.items.max]).toEqual([0, 0, 0]);
    expect(sharp.concurrency()).toBe(1);
  });

  it('limitInputPixels is set from PRODIMG_MAX_MEGAPIXELS on every sharp call', () => {
    expect(section).toContain('`limitInputPixels` on every call (`PRODIMG_MAX_MEGAPIXELS`)');
    for (const file of ['src/imaging/image-transform.ts', 'src/imaging/probe.ts']) {
      const source = text(file);
      expect(source.match(/sharp\(/g)?.length, file).toBeGreaterThan(0);
      expect(source, file).toMatch(/limitInputPixels: (options\.)?maxPixels/);
    }
  });
});
