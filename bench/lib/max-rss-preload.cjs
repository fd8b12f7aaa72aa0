// Preloaded into a CLI run (`node -r ./max-rss-preload.cjs bin/prodimg.js ...`): on exit, prints the
// process's peak resident set size as `bench-max-rss-kib <n>` on stderr, for scenarios that measure
// a command's memory rather than a server's.
process.on('exit', () => {
  require('node:fs').writeSync(2, `bench-max-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
