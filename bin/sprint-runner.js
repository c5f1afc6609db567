#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx registers the loader for src/.
require('tsx/cjs');
require('../src/client/cli.ts');
