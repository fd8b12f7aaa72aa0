import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SCOPES } from '../../src/domain/scopes.js';
import { WAIT_MS } from '../support/waiting.js';
import { BIN } from '../reliability/support-server.js';

const source = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

/** Every setting config.ts reads, from its source: `env.NAME`, or `(env, 'NAME'` for its helpers. */
const SETTINGS = [...new Set([...source('../../src/config.ts').matchAll(/\benv(?:\.|, ')([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]!))];

const mentions = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text);

describe('settings listed where users look for them', () => {
  it("finds in config.ts's source every setting loadConfig reads", () => {
    // Guards the source scan above: a read written another way would be missed there.
    const read = new Set<string>();
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_target, key) => {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    });
    loadConfig(env);
    expect(read.size).toBeGreaterThan(0);
    expect([...read].filter((name) => !SETTINGS.includes(name))).toEqual([]);
  });

  it('prodimg --help names every setting config.ts reads', () => {
    const res = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(res.status).toBe(0);
    expect(SETTINGS.filter((name) => !mentions(res.stdout, name))).toEqual([]);
  });

  it("the README's settings table names every setting config.ts reads", () => {
    const table = source('../../README.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .join('\n');
    expect(SETTINGS.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('scopes named where users look for them', () => {
  it('prodimg tokens create --help names every documented scope, as domain/scopes.ts lists them', () => {
    const res = spawnSync(process.execPath, [BIN, 'tokens', 'create', '--help'], { encoding: 'utf8', timeout: WAIT_MS });
    expect(res.status).toBe(0);
    expect(SCOPES.filter((scope) => !mentions(res.stdout, scope))).toEqual([]);
    expect(res.stdout.replace(/\s+/g, ' ')).toContain('(default: "read_product,write_product,read_shop")');
  });
});
