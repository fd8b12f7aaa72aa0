#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and compiled to dist/ by `npm install` (prepare).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('prodimg: not built yet; run `npm install` (or `npm run build`) in the repository first\n');
    process.exit(2);
  }
  throw err;
});
