// Writes the client's routes (src/client/generated/routes.ts) from the contract, as compiled by
// `tsc -p tsconfig.build.json` just before (`npm run build`); when the file changes, compiles again so
// dist/ holds the new one too. Should the file be missing, tsc fails on the client but still writes
// dist/contract/: run `node scripts/generate-client.mjs` alone once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { CLIENT_ROUTES_FILE, clientRoutesSource } = await import(new URL('../dist/contract/client-routes.js', import.meta.url).href);
const target = `${root}${CLIENT_ROUTES_FILE}`;
const text = clientRoutesSource();
let before = '';
try {
  before = readFileSync(target, 'utf8');
} catch {
  // Not written yet.
}
if (text !== before) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${CLIENT_ROUTES_FILE}`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
