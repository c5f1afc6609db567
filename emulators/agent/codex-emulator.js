#!/usr/bin/env node
'use strict';
// Launcher usable as CODEX_BIN: runs the TypeScript agent emulator through tsx.
require('tsx/cjs');
require('./main.ts')
  .main(process.argv.slice(2))
  .catch((error) => {
    process.stderr.write(`agent-emulator: ${(error && error.stack) || String(error)}\n`);
    process.exit(1);
  });
