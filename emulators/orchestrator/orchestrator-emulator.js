#!/usr/bin/env node
'use strict';
// Launcher usable as RUNNER_ORCHESTRATOR_CMD (`node emulators/orchestrator/orchestrator-emulator.js --loop`):
// the orchestrator emulator's bundle from `npm run build` (dist/emulators/orchestrator.js) when it is
// current — one process per tick, so no per-tick transpile — otherwise cli.ts through tsx.
const { freshEmulatorBundle } = require('../../scripts/build-freshness.js');

const compiled = freshEmulatorBundle('orchestrator');
if (!compiled) require('tsx/cjs');
const { runOrchestratorCli, exitCodeFor } = require(compiled || './cli.ts');

/** Exit only once both streams have flushed (a pipe reader must get every intent line). */
function exitAfterFlush(code) {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

runOrchestratorCli(process.argv.slice(2), process.env).then(exitAfterFlush, (err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  exitAfterFlush(exitCodeFor(err));
});
