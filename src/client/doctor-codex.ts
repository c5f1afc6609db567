/**
 * `sprint-runner doctor`'s Codex checks (issue #15): the binary and its version, the transport a run
 * will use (CODEX_TRANSPORT), the `github` / `github_projects` MCP servers (`codex mcp list --json`,
 * with the fix that applies to each), and bubblewrap, the Linux sandbox current Codex releases use.
 */
import { spawnSync } from 'node:child_process';
import type { RunnerConfig } from '../config';
import { McpListParseError, parseMcpListJson, requiredMcpServerProblems } from '../domain/codex-mcp-list';
import { resolveTransportSetting } from '../domain/codex-run-config';
import { codexHasMcpServer, parseCodexVersion } from '../domain/codex-version';
import type { CheckResult } from './doctor';

export function checkCodexBinary(config: RunnerConfig, env: NodeJS.ProcessEnv): CheckResult {
  const name = 'codex';
  const version = spawnSync(config.codexBin, ['--version'], { encoding: 'utf8', timeout: 10_000, env });
  if (version.error || version.status !== 0) {
    return {
      name,
      ok: false,
      detail: `CODEX_BIN=${config.codexBin} does not run (${version.error?.message ?? `exit ${version.status}`})`,
      fix: 'install Codex (`npm install -g @openai/codex`) and set CODEX_BIN to it',
    };
  }
  const text = version.stdout.trim();
  const parsed = parseCodexVersion(text);
  const transport = resolveTransportSetting(config.codexTransport, text);
  const how = `transport ${transport}${config.codexTransport === 'auto' ? ' (CODEX_TRANSPORT=auto)' : ''}`;
  if (parsed === null) return { name, ok: false, detail: `cannot read a version from ${JSON.stringify(text.slice(0, 100))}`, fix: 'point CODEX_BIN at the codex CLI' };
  if (transport === 'mcp' && !codexHasMcpServer(parsed)) {
    return {
      name,
      ok: false,
      detail: `${text}: \`codex mcp-server\` was removed in 0.154.0, but CODEX_TRANSPORT=mcp`,
      fix: 'unset CODEX_TRANSPORT (auto uses app-server for this release) or pin @openai/codex@0.153.4',
    };
  }
  const args = transport === 'mcp' ? config.codexMcpArgs : ['app-server'];
  const help = spawnSync(config.codexBin, [...args, '--help'], { encoding: 'utf8', timeout: 10_000, env });
  if (help.status !== 0) {
    return {
      name,
      ok: false,
      detail: `${text}, ${how}: \`${config.codexBin} ${args.join(' ')} --help\` exits ${help.status ?? help.error?.message}`,
      fix: transport === 'app-server' ? 'this Codex has no app-server: set CODEX_TRANSPORT=mcp or install a current @openai/codex' : 'check CODEX_MCP_ARGS',
    };
  }
  return { name, ok: true, detail: `${text}, ${how}` };
}

export function checkCodexMcpServers(config: RunnerConfig, env: NodeJS.ProcessEnv): CheckResult {
  const name = 'codex mcp servers';
  const list = spawnSync(config.codexBin, ['mcp', 'list', '--json'], { encoding: 'utf8', timeout: 10_000, env });
  if (list.error || list.status !== 0) {
    return {
      name,
      ok: false,
      detail: `\`codex mcp list --json\` failed (${list.error?.message ?? `exit ${list.status}`})`,
      fix: 'check CODEX_BIN and CODEX_HOME (its config.toml must parse)',
    };
  }
  try {
    const problems = requiredMcpServerProblems(parseMcpListJson(list.stdout));
    if (problems.length === 0) return { name, ok: true, detail: 'github and github_projects enabled' };
    return {
      name,
      ok: false,
      detail: `missing or disabled: ${problems.map((problem) => `${problem.name} (${problem.problem})`).join(', ')}`,
      fix: problems.map((problem) => `${problem.name}: ${problem.advice}`).join('; '),
    };
  } catch (err) {
    if (!(err instanceof McpListParseError)) throw err;
    return { name, ok: false, detail: err.message, fix: 'use a Codex release whose `codex mcp list` has --json (0.63 or later)' };
  }
}

/** Codex's Linux sandbox runs commands through bubblewrap (`bwrap`); without it current releases warn and sandbox less. */
export function checkBubblewrap(env: NodeJS.ProcessEnv): CheckResult {
  const name = 'bubblewrap';
  if (process.platform !== 'linux') return { name, ok: true, detail: `not needed on ${process.platform}` };
  const bwrap = spawnSync('bwrap', ['--version'], { encoding: 'utf8', timeout: 10_000, env });
  if (bwrap.error || bwrap.status !== 0) {
    return {
      name,
      ok: false,
      detail: '`bwrap` is not on PATH: Codex cannot sandbox the commands the model runs',
      fix: "apt-get install bubblewrap (or your distribution's bubblewrap package); `npm run setup` does it when it can",
    };
  }
  return { name, ok: true, detail: bwrap.stdout.trim() };
}

export function codexChecks(config: RunnerConfig, env: NodeJS.ProcessEnv): CheckResult[] {
  return [checkCodexBinary(config, env), checkCodexMcpServers(config, env), checkBubblewrap(env)];
}
