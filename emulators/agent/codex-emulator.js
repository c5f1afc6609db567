#!/usr/bin/env node
'use strict';
// Launcher usable as CODEX_BIN. Runs the agent emulator's bundle from `npm run build`
// (dist/emulators/agent.js) when it is current: no per-spawn transpile, so the emulator's own
// start-up cost stays out of the runner's figures. Otherwise the TypeScript through tsx.
const { freshEmulatorBundle } = require('../../scripts/build-freshness.js');

const compiled = freshEmulatorBundle('agent');
if (!compiled) require('tsx/cjs');
require(compiled || './main.ts')
  .main(process.argv.slice(2))
  .catch((error) => {
    process.stderr.write(`agent-emulator: ${(error && error.stack) || String(error)}\n`);
    process.exit(1);
  });
