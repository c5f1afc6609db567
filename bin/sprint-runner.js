#!/usr/bin/env node
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
