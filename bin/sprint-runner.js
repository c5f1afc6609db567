#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// Run as a program (`npx sprint-runner`, `./bin/sprint-runner.js`), the shebang sizes the process
// for a long-lived worker (issue #18, bench: footprint): two malloc arenas instead of glibc's eight
// per core (the core bridge's threads otherwise keep freed memory in their own), and a 4 MiB young
// generation per V8 semi-space instead of 16. `node bin/sprint-runner.js` runs without them.
// The compiled CLI (dist/, `npm run build`) when it is current; otherwise the TypeScript sources
// through tsx, so a stale build is never run.
const { freshDist } = require('../scripts/build-freshness.js');

const compiled = freshDist('client/cli.js');
if (compiled) {
  require(compiled);
} else {
  require('tsx/cjs');
  require('../src/client/cli.ts');
}
