import { spawnSync } from 'node:child_process';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { openApiDocument, servedVersion } from '../../src/contract/openapi-document.js';
import { WAIT_MS } from '../support/waiting.js';
import { BIN } from '../reliability/support-server.js';

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'openapi', ...args], { encoding: 'utf8', timeout: WAIT_MS, env: { ...process.env, PRODIMG_BASE_DOMAIN: 'shops.test' } });

describe('prodimg openapi', () => {
  it('prints the document /openapi.json serves, for the version asked for', () => {
    const res = run('--version', '2022-01', '--port', '9000');
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual(openApiDocument(servedVersion('2022-01')!, { baseDomain: 'shops.test', port: 9000, bodyLimit: 1024 * 1024 }));
  });

  it('prints the newest version by default, with port 8080, valid OpenAPI', async () => {
    const document = JSON.parse(run().stdout);
    await SwaggerParser.validate(structuredClone(document));
    expect(document.info.version).toBe('2026-01');
    expect(document.servers[1].variables.port.default).toBe('8080');
  });

  it('refuses an unknown version with exit code 2', () => {
    const res = run('--version', '1999-01');
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--version must be one of 2020-07, 2022-01, 2025-06, 2026-01, got "1999-01"');
  });
});
