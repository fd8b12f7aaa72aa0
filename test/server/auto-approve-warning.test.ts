import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AUTO_APPROVE_WARNING, buildApp } from '../../src/server/build-app.js';
import { StandIn } from '../../src/stand-in/stand-in.js';
import { freshDatabase } from '../support/databases.js';
import { captureLogs } from '../support/log-capture.js';

/** The lines a server logs while it is built, with these settings, as a stand-in or not. */
async function startupLines(env: Record<string, string>, standIn: boolean): Promise<Array<Record<string, unknown>>> {
  const { logger, lines } = captureLogs();
  const db = await freshDatabase('sqlite');
  const config = loadConfig({ PRODIMG_DATA_DIR: db.dataDir, PRODIMG_INGEST: 'off', PRODIMG_STARTUP_SWEEP: '0', ...env });
  const app = await buildApp({
    config,
    database: db.database,
    logger,
    ...(standIn ? { standIn: new StandIn({ seed: {}, source: 'the test', randomSeed: 0, database: db.database, rateLimits: null }) } : {}),
  });
  await app.close();
  await db.drop();
  return lines;
}

describe('PRODIMG_OAUTH_AUTO_APPROVE=1 at start-up (issue 22)', () => {
  it.each([
    ['a server that is not a stand-in, auto-approving', { PRODIMG_OAUTH_AUTO_APPROVE: '1' }, false, 1],
    ['a stand-in, auto-approving', { PRODIMG_OAUTH_AUTO_APPROVE: '1' }, true, 0],
    ['a server with consent pages', {}, false, 0],
  ])('%s', async (_what, env, standIn, warnings) => {
    const lines = await startupLines(env, standIn);
    expect(lines.filter((line) => line.msg === AUTO_APPROVE_WARNING && line.level === 40)).toHaveLength(warnings);
  });

  it('says what it allows', () => {
    expect(AUTO_APPROVE_WARNING).toContain('any registered app can install itself on every active store');
  });
});
