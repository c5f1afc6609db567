#!/usr/bin/env node
'use strict';
// Launcher of the github / github_projects MCP stand-in that real codex starts per run
// (emulators/model/codex-home.ts): the bundle from `npm run build` when current, else server.ts via tsx.
const { freshEmulatorBundle } = require('../../scripts/build-freshness.js');

const compiled = freshEmulatorBundle('github-mcp');
if (!compiled) require('tsx/cjs');
require(compiled || './server.ts')
  .runGithubMcpStandIn(process.argv[2] || 'github')
  .catch((error) => {
    process.stderr.write(`github-mcp-emulator: ${(error && error.stack) || String(error)}\n`);
    process.exit(1);
  });
