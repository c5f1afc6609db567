'use strict';
/**
 * Is a compiled artifact of `npm run build` current? The launchers (bin/sprint-runner.js, the
 * emulators' *.js launchers) run compiled JavaScript only when it is at least as new as every source
 * it was built from, and fall back to tsx otherwise, so nobody runs stale code. Plain CommonJS: it
 * runs before any TypeScript loader. SPRINT_RUNNER_NO_DIST=1 forces the tsx path;
 * SPRINT_RUNNER_TRUST_DIST=1 uses an existing build whatever the sources' times (a benchmark that
 * just built, in a tree others keep editing).
 */
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
/** Written last by scripts/build.ts: { builtAt: epoch ms taken before compiling }. */
const BUILD_STAMP = join(DIST, '.build-stamp.json');

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function flag(name) {
  return process.env[name] === '1' || process.env[name] === 'true';
}

function disabled() {
  return flag('SPRINT_RUNNER_NO_DIST');
}

/** Newest mtime of any file under dir (0 when dir is missing). */
function newestUnder(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const m = entry.isDirectory() ? newestUnder(path) : (mtimeMs(path) ?? 0);
    if (m > newest) newest = m;
  }
  return newest;
}

/** dist/<relative> when the tsc build is newer than src/, package.json and the build config; else null. */
function freshDist(relative) {
  if (disabled()) return null;
  const stamp = readJson(BUILD_STAMP);
  const target = join(DIST, relative);
  if (!stamp || typeof stamp.builtAt !== 'number' || mtimeMs(target) === null) return null;
  if (flag('SPRINT_RUNNER_TRUST_DIST')) return target;
  const sources = Math.max(newestUnder(join(ROOT, 'src')), mtimeMs(join(ROOT, 'package.json')) ?? 0, mtimeMs(join(ROOT, 'tsconfig.build.json')) ?? 0);
  return sources <= stamp.builtAt ? target : null;
}

/** dist/emulators/<name>.js when none of the files it was bundled from changed since; else null. */
function freshEmulatorBundle(name) {
  if (disabled()) return null;
  const bundle = join(DIST, 'emulators', `${name}.js`);
  const manifest = readJson(join(DIST, 'emulators', `${name}.inputs.json`));
  if (!manifest || typeof manifest.builtAt !== 'number' || !Array.isArray(manifest.inputs) || mtimeMs(bundle) === null) return null;
  for (const input of manifest.inputs) {
    const m = mtimeMs(join(ROOT, input));
    if (m === null || m > manifest.builtAt) return null;
  }
  return bundle;
}

module.exports = { ROOT, DIST, BUILD_STAMP, freshDist, freshEmulatorBundle, newestUnder };
