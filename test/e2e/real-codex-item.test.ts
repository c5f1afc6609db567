/**
 * The real codex binaries drive items through real sprints (issue #15), each with CODEX_TRANSPORT=auto:
 * @openai/codex 0.153.4 over MCP (`codex mcp-server`) and the current release over app-server. The
 * model is the loopback model emulator playing the agent emulator's roles (emulators/model/agent-model.ts):
 * it does the role's backend calls and answers per script. In one sprint per binary:
 *   #8331 Ready → EXECUTOR claims, opens the PR, In Review → REVIEWER PASS → Needs Human Approval
 *   #8332 In Review → REVIEWER PASS → Needs Human Approval
 *   #8333 In Review → REVIEWER garbage, valid JSON on the re-ask (same thread) → Needs Human Approval
 *   #8334 In Review → REVIEWER garbage twice → Blocked, ITEM_STOP worker_invalid_output
 *   #8335 In Review → REVIEWER model hangs → watchdog (8 s) cancels the run and kills its processes; a
 *       reviewer run is not Blocked by the watchdog (the seed's rule: no run context to recover), so
 *       after two unanswered dispatches the review stall hands it to a human (Needs Human Approval)
 * Codex's CODEX_HOME also configures a stubborn MCP server (ignores EOF and SIGTERM, starts a grandchild
 * in another session): after the normal runs and the watchdog cancel none of them is left.
 */
import { join } from 'node:path';
import { sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { resolveCodexTransport } from '../../src/activities/codex-session';
import { agentModel, startModelEmulator, writeCodexHome, type ModelEmulator } from '../../emulators/model';
import type { AgentScript } from '../../emulators/agent/script';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { boardItem, startE2eRig, type E2eRig } from '../support/e2e';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';
import { REAL_CODEXES, scratchDir, stubbornMcpServer, until } from '../support/real-codex';
import { notRunning } from '../codex/support';
import { setEventWriter, type RunnerEvent } from '../../src/logging';

const linkedPr = (issue: number, number: number) => ({
  number,
  issue_number: issue,
  head_ref: `executor/issue-${issue}`,
  body: `Refs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
});

const SCRIPT: AgentScript = {
  issues: {
    '8333': { roles: { REVIEWER: { mode: 'garbage' } } },
    '8334': { roles: { REVIEWER: { mode: 'garbage', reply: 'garbage' } } },
    '8335': { roles: { REVIEWER: { mode: 'hang' } } },
  },
};

describe.each(REAL_CODEXES)('$label drives items through a sprint (CODEX_TRANSPORT=auto)', (codex) => {
  let temporal: TestTemporal;
  let model: ModelEmulator;
  let rig: E2eRig | undefined;
  const saved = { CODEX_HOME: process.env.CODEX_HOME, key: process.env.SPRINT_RUNNER_MODEL_EMULATOR_KEY };

  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    setEventWriter(null);
    await rig?.stop();
    await model?.close();
    await temporal.close();
    process.env.CODEX_HOME = saved.CODEX_HOME;
    process.env.SPRINT_RUNNER_MODEL_EMULATOR_KEY = saved.key;
  });

  it('EXECUTOR → In Review, REVIEWER PASS, re-ask, garbage twice, hang → watchdog; nothing of a run outlives it', async () => {
    // Activity events (CODEX_SESSION_STARTED) go to the process event writer, not the workflow sinks.
    const activityEvents: RunnerEvent[] = [];
    setEventWriter((event) => activityEvents.push(event));
    const agent = agentModel(SCRIPT);
    model = await startModelEmulator({ script: { finalMessage: agent.finalMessage } });
    const scratch = scratchDir('real-sprint-');
    const stubborn = stubbornMcpServer(join(scratch, 'stubborn'));
    const home = writeCodexHome(join(scratch, 'codex-home'), model.url, stubborn.servers);
    Object.assign(process.env, home.env);
    const env = { PATH: process.env.PATH ?? '', ...home.env };
    expect(await resolveCodexTransport('auto', codex.bin, env)).toBe(codex.transport);

    rig = await startE2eRig(
      temporal,
      {
        items: [boardItem(8331, 'Ready'), ...[8332, 8333, 8334, 8335].map((issue) => boardItem(issue, 'In Review'))],
        prs: [8332, 8333, 8334, 8335].map((issue) => linkedPr(issue, issue * 10)),
      },
      {
        CODEX_BIN: codex.bin,
        CODEX_TRANSPORT: 'auto',
        RUNNER_CHILD_ENV_ALLOWLIST: 'SPRINT_RUNNER_MODEL_EMULATOR_KEY',
        RUNNER_WATCHDOG_TIMEOUT_S: '8',
        RUNNER_MAX_REVIEWERS: '3',
      },
    );
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId('M1')}-${rig.config.temporalTaskQueue}`,
      args: [{ sprint: 'M1', mode: 'loop' }],
    });
    expect((await closeWhenAwaitingHumans(handle, 240_000)).reason).toBe('closed');

    const status = (issue: number) => rig!.backend.board.listProjectItems().find((item) => item.issue_number === issue)?.fields.Status;
    const transitions = (issue: number) =>
      rig!.backend.board
        .effectLog()
        .filter((entry) => entry.kind === 'transition' && entry.issue_number === issue)
        .map((entry) => `${entry.from}->${entry.to} (${entry.role})`);
    expect(transitions(8331)).toEqual(['Ready->In Progress (EXECUTOR)', 'In Progress->In Review (EXECUTOR)', 'In Review->Needs Human Approval (ORCHESTRATOR)']);
    expect(status(8332)).toBe('Needs Human Approval');
    expect(status(8333)).toBe('Needs Human Approval');
    expect(status(8334)).toBe('Blocked');
    expect(transitions(8335)).toEqual(['In Review->Needs Human Approval (ORCHESTRATOR)']);
    expect(rig.events.some((e) => e.type === 'REVIEW_STALL_ESCALATED' && e.issue_number === 8335)).toBe(true);

    // Every Codex run went through the transport auto picked, on this binary.
    const sessions = activityEvents.filter((e) => e.type === 'CODEX_SESSION_STARTED');
    expect(sessions.length).toBeGreaterThanOrEqual(6);
    expect(new Set(sessions.map((e) => e.transport))).toEqual(new Set([codex.transport]));
    expect(new Set(sessions.map((e) => e.codex_version))).toEqual(new Set([codex.version]));

    // #8333: the re-ask was a second turn of the same run; #8334 was re-asked once, then classified.
    const runOf = (issue: number) => rig!.events.find((e) => e.type === 'WORKER_STARTED' && e.role === 'REVIEWER' && e.issue_number === issue)?.run_id;
    const failures = rig.events.filter((e) => e.type === 'WORKER_FAILED');
    expect(agent.reasked).toEqual(expect.arrayContaining([runOf(8333), runOf(8334)].filter(Boolean)));
    expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ classification: 'ITEM_STOP', error_code: 'worker_invalid_output' })]));
    const watchdogs = rig.events.filter((e) => e.type === 'WORKER_WATCHDOG_TIMEOUT' && e.issue_number === 8335);
    expect(watchdogs.length).toBeGreaterThanOrEqual(1);
    for (const event of watchdogs) expect(Number(event.elapsed_s)).toBeLessThan(30);
    // Each cancelled run's Codex process is gone.
    const hungRuns = new Set(watchdogs.map((e) => e.run_id));
    const hungPids = sessions.filter((e) => hungRuns.has(e.run_id)).map((e) => Number(e.pid));
    expect(hungPids.length).toBe(watchdogs.length);
    expect(await until(() => hungPids.every((pid) => notRunning(pid)), 10_000)).toBe(true);

    // The stubborn MCP server ran for every session — and none of it (nor its grandchild) is left. A
    // session closed before its server got to start the grandchild has none (a loaded machine: 14 of 15).
    expect(stubborn.pids().servers.length).toBeGreaterThanOrEqual(sessions.length);
    expect(stubborn.pids().grandchildren.length).toBeGreaterThanOrEqual(Math.ceil(sessions.length / 2));
    expect(await until(() => stubborn.alive().length === 0, 10_000)).toBe(true);
  }, 300_000);
});
