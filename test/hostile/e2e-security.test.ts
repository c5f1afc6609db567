/**
 * Hostile input end to end, and the security properties as tests, on a real worker and server:
 * - one malformed orchestrator line stops the sprint (exit 2, intent_error), routes nothing of the
 *   batch (no item workflow), and the worker keeps serving: another sprint completes on it;
 * - child processes get no shell (shell syntax in RUNNER_ORCHESTRATOR_CMD stays literal argv) and
 *   only the allowlisted environment (the orchestrator and the Codex process dump what they see);
 * - no value of a secret variable (*_TOKEN, *_PAT, *_KEY; canaries in the worker's environment)
 *   appears in any workflow history, search attribute, memo or log line of a full small sprint.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { itemWorkflowId, sprintStatusQuery, sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { AGENT_BIN, startE2eRig, type E2eRig, boardItem } from '../support/e2e';
import { linkedPr } from '../support/fault-rig';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'sr-hostile-'));

/** An orchestrator that dumps its argv and env, then prints a bad batch for sprint M2 or runs the emulator. */
function fakeOrchestrator(dumpPath: string): string {
  const path = join(dir, `orchestrator-${randomUUID().slice(0, 8)}.js`);
  writeFileSync(
    path,
    `
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(dumpPath)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }) + '\\n');
if (process.env.ORCHESTRATOR_SPRINT === 'M2') {
  const runId = '0b3e7d2a-6c1f-4e8a-9d5b-2f4c6a8e0b1d';
  process.stdout.write(JSON.stringify({ type: 'RUN_INTENT', role: 'REVIEWER', run_id: runId, endpoint: '/internal/reviewer/resolve-linked-pr', body: { role: 'REVIEWER', run_id: runId, issue_number: 7601 } }) + '\\n');
  process.stdout.write(JSON.stringify({ type: 'RUN_INTENT', role: 'REVIEWER', run_id: '../../etc/passwd', endpoint: '/internal/reviewer/resolve-linked-pr', body: { role: 'REVIEWER', run_id: '../../etc/passwd', issue_number: 7601 } }) + '\\n');
  process.exit(0);
}
require(${JSON.stringify(join(ROOT, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs'))});
require(${JSON.stringify(join(ROOT, 'emulators', 'orchestrator', 'cli.ts'))}).runOrchestratorCli(process.argv.slice(2), process.env)
  .then((code) => process.exit(code), () => process.exit(2));
`,
  );
  return path;
}

/** A Codex binary that dumps its env, then becomes the agent emulator. */
function fakeCodex(dumpPath: string): string {
  const path = join(dir, `codex-${randomUUID().slice(0, 8)}.js`);
  writeFileSync(
    path,
    `#!/usr/bin/env node
require('node:fs').appendFileSync(${JSON.stringify(dumpPath)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }) + '\\n');
require(${JSON.stringify(AGENT_BIN)});
`,
  );
  chmodSync(path, 0o755);
  return path;
}

const readDumps = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { argv: string[]; env: Record<string, string> })
    : [];

/** Names a child may see (src/config.ts childEnv) plus what the runner sets for the orchestrator. */
const ALLOWED_NAME =
  /^(PATH|HOME|USER|LOGNAME|SHELL|TERM|LANG|TZ|TMPDIR|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|RUST_LOG|LC_.*|TARGET_.*|ORCHESTRATOR_.*|CODEX_.*|GITHUB_.*|OPENAI_.*|AGENT_.*)$/;

describe('hostile input end to end and security properties', () => {
  let temporal: TestTemporal;
  let rig: E2eRig | undefined;
  const canaries: Record<string, string> = {
    SPRINT_RUNNER_TEST_TOKEN: `tok-${randomUUID()}`,
    DEPLOY_SERVICE_PAT: `pat-${randomUUID()}`,
    SIGNING_KEY: `key-${randomUUID()}`,
    GITHUB_TOKEN: `ghp-${randomUUID()}`,
    OPENAI_API_KEY: `sk-${randomUUID()}`,
  };
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    Object.assign(process.env, canaries);
  });
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });
  afterAll(async () => {
    for (const name of Object.keys(canaries)) delete process.env[name];
    await temporal.close();
  });

  it('a malformed orchestrator line: exit 2 intent_error, nothing routed, no shell, the worker serves the next sprint', async () => {
    const orchestratorDump = join(dir, `orch-${randomUUID()}.jsonl`);
    const touched = join(dir, `pwned-${randomUUID()}`);
    const script = fakeOrchestrator(orchestratorDump);
    // Shell syntax, quoted so it is valid shell words: it must arrive as literal arguments.
    const hostileArgs = [`$(touch ${touched})`, `; touch ${touched}`, `&& touch ${touched}`, `\`touch ${touched}\``, `| tee ${touched}`];
    const cmd = [process.execPath, script, ...hostileArgs.map((a) => `'${a}'`), '--loop'].join(' ');
    rig = await startE2eRig(
      temporal,
      {
        items: [boardItem(7601, 'In Review', 'M2'), boardItem(7602, 'In Review')],
        prs: [linkedPr(7601, 76010), linkedPr(7602, 76020)],
      },
      { RUNNER_ORCHESTRATOR_CMD: cmd },
    );
    const bad = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId('M2')}-${rig.config.temporalTaskQueue}`,
      args: [{ sprint: 'M2', mode: 'loop' }],
    });
    const failure = await bad.result().then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('SprintStopped');
    expect(cause.details?.[0]).toMatchObject({ exitCode: 2, reason: 'intent_error: intent_invalid_run_id' });
    expect(rig.events.find((e) => e.type === 'HARD_STOP')).toMatchObject({ exit_code: 2, reason: 'intent_error: intent_invalid_run_id' });
    // Nothing of the batch was routed: the valid first line's item workflow was never started.
    await expect(temporal.client.workflow.getHandle(itemWorkflowId('M2', 7601)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(rig.events.filter((e) => e.type === 'INTENT_RECEIVED' || e.type === 'INTAKE_ROUTED')).toEqual([]);
    expect(rig.backend.board.listProjectItems().find((i) => i.issue_number === 7601)?.fields.Status).toBe('In Review');

    // No shell: the operators arrived as literal argv and nothing ran them.
    const [first] = readDumps(orchestratorDump);
    expect(first!.argv).toEqual([...hostileArgs, '--once']);
    expect(existsSync(touched)).toBe(false);

    // The same worker still serves: another sprint completes on it.
    const good = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId('M1')}-${rig.config.temporalTaskQueue}`,
      args: [{ sprint: 'M1', mode: 'loop' }],
    });
    expect((await closeWhenAwaitingHumans(good)).reason).toBe('closed');
    expect(rig.backend.board.listProjectItems().find((i) => i.issue_number === 7602)?.fields.Status).toBe('Needs Human Approval');
  }, 120_000);

  it('children see only the allowlisted environment; no secret value reaches histories, search attributes, memos or logs', async () => {
    const orchestratorDump = join(dir, `orch-${randomUUID()}.jsonl`);
    const codexDump = join(dir, `codex-${randomUUID()}.jsonl`);
    const logged: string[] = [];
    const stderr = process.stderr.write.bind(process.stderr);
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return stderr(chunk as string, ...(rest as []));
    });
    try {
      rig = await startE2eRig(
        temporal,
        { items: [boardItem(7611, 'Ready'), boardItem(7612, 'In Review')], prs: [linkedPr(7612, 76120)] },
        {
          RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${fakeOrchestrator(orchestratorDump)} --loop`,
          CODEX_BIN: fakeCodex(codexDump),
        },
      );
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: `${sprintWorkflowId('M1')}-${rig.config.temporalTaskQueue}`,
        args: [{ sprint: 'M1', mode: 'loop' }],
      });
      expect((await closeWhenAwaitingHumans(handle)).reason).toBe('closed');

      // What the children saw.
      const orchestratorEnvs = readDumps(orchestratorDump).map((d) => d.env);
      const codexEnvs = readDumps(codexDump).map((d) => d.env);
      expect(orchestratorEnvs.length).toBeGreaterThan(0);
      expect(codexEnvs.length).toBeGreaterThanOrEqual(3);
      for (const env of [...orchestratorEnvs, ...codexEnvs]) {
        expect(Object.keys(env).filter((name) => !ALLOWED_NAME.test(name))).toEqual([]);
        expect(env.SPRINT_RUNNER_TEST_TOKEN).toBeUndefined();
        expect(env.DEPLOY_SERVICE_PAT).toBeUndefined();
        expect(env.SIGNING_KEY).toBeUndefined();
        expect(env.TEMPORAL_ADDRESS).toBeUndefined();
        expect(env.BACKEND_BASE_URL).toBeUndefined();
      }
      // GITHUB_* / OPENAI_* are passed on purpose (the orchestrator's GitHub reads, Codex's model access).
      expect(codexEnvs[0]!.OPENAI_API_KEY).toBe(canaries.OPENAI_API_KEY);

      // Everything the sprint left in Temporal and in the logs.
      const status = await handle.query(sprintStatusQuery);
      const ids = [handle.workflowId, ...status.items.map((i) => i.workflowId)];
      expect(ids.length).toBe(3);
      const texts: string[] = [];
      for (const id of ids) {
        const h = temporal.client.workflow.getHandle(id);
        texts.push(JSON.stringify(await h.fetchHistory()));
        const description = await h.describe();
        texts.push(
          JSON.stringify({
            searchAttributes: description.searchAttributes,
            memo: description.memo,
            staticSummary: await description.staticSummary?.(),
            details: await description.staticDetails?.(),
          }),
        );
      }
      texts.push(JSON.stringify(rig.events), ...logged);
      const haystack = texts.join('\n');
      expect(haystack.length).toBeGreaterThan(10_000);
      for (const [name, value] of Object.entries(canaries)) expect({ name, leaked: haystack.includes(value) }).toEqual({ name, leaked: false });
    } finally {
      spy.mockRestore();
    }
  }, 120_000);
});
