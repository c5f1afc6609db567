/**
 * The real `codex mcp-server` of @openai/codex 0.153.4 as the REVIEWER worker of an item, its model
 * replaced by the loopback model emulator: the sprint dispatches, our Codex activity runs the real
 * binary over MCP, the scripted verdict comes back through it, and the item is handed to humans.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sprintWorkflow, sprintWorkflowId } from '../../src/workflows';
import { startModelEmulator, writeCodexHome, type ModelEmulator } from '../../emulators/model';
import { connectTestTemporal, type TestTemporal } from '../support/temporal';
import { startE2eRig, type E2eRig } from '../support/e2e';
import { closeWhenAwaitingHumans } from '../support/sprint-phase';

const ROOT = join(__dirname, '..', '..');

function nativeCodex(): string {
  const vendor = join(ROOT, 'node_modules', '@openai', `codex-${process.platform}-${process.arch}`, 'vendor');
  for (const triple of existsSync(vendor) ? readdirSync(vendor) : []) {
    const candidate = join(vendor, triple, 'bin', 'codex');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`native codex binary not found under ${vendor} (npm ci installs @openai/codex@0.153.4)`);
}

/** The worker prompt carries the RUN_INTENT verbatim; the scripted model answers for that run. */
function verdictFor(body: unknown): string {
  const text = JSON.stringify(body);
  const runId = /\\"run_id\\": \\"([0-9a-f-]{36})\\"/.exec(text)?.[1] ?? 'missing';
  return JSON.stringify({
    run_id: runId, role: 'REVIEWER', status: 'succeeded', outcome: 'PASS', summary: 'R1 done: tests cover the change.',
    urls: {}, errors: [], marker_verified: null,
  });
}

describe('real codex 0.153.4 drives an item through the model emulator', () => {
  let temporal: TestTemporal;
  let model: ModelEmulator;
  let rig: E2eRig;
  const saved = { CODEX_HOME: process.env.CODEX_HOME, key: process.env.SPRINT_RUNNER_MODEL_EMULATOR_KEY };

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startModelEmulator({ script: { finalMessage: (request) => verdictFor(request.body) } });
    mkdirSync(join(ROOT, '.sprint-runner'), { recursive: true });
    const home = writeCodexHome(mkdtempSync(join(ROOT, '.sprint-runner', 'codex-home-')), model.url);
    Object.assign(process.env, home.env);
  });
  afterAll(async () => {
    await rig?.stop();
    await model.close();
    await temporal.close();
    process.env.CODEX_HOME = saved.CODEX_HOME;
    process.env.SPRINT_RUNNER_MODEL_EMULATOR_KEY = saved.key;
  });

  it('REVIEWER PASS from the real binary → Needs Human Approval', async () => {
    rig = await startE2eRig(
      temporal,
      {
        items: [{ project_item_id: 'PVTI_12', issue_number: 12, issue_url: 'https://github.com/acme/app/issues/12', fields: { Status: 'In Review', Size: 'S', Area: 'api', Priority: 'P0', Sprint: 'M1' } }],
        prs: [{
          number: 120, issue_number: 12, head_ref: 'executor/issue-12',
          body: 'Refs #12\n\n<!-- EXECUTOR_RUN_V1\nissue: 12\nproject_item_id: PVTI_12\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->',
        }],
      },
      { CODEX_BIN: nativeCodex(), CODEX_MCP_ARGS: 'mcp-server', RUNNER_CHILD_ENV_ALLOWLIST: 'SPRINT_RUNNER_MODEL_EMULATOR_KEY' },
    );
    const handle = await temporal.client.workflow.start(sprintWorkflow, {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `${sprintWorkflowId('M1')}-${rig.config.temporalTaskQueue}`,
      args: [{ sprint: 'M1', mode: 'loop' }],
    });
    expect((await closeWhenAwaitingHumans(handle)).reason).toBe('closed');
    expect(rig.backend.board.listProjectItems()[0]!.fields.Status).toBe('Needs Human Approval');
    expect(model.requests.filter((r) => r.answered === 'message').length).toBeGreaterThanOrEqual(1);
    const finished = rig.events.find((e) => e.type === 'WORKER_FINISHED');
    expect(finished).toMatchObject({ role: 'REVIEWER', status: 'succeeded', summary: 'R1 done: tests cover the change.' });
  });
});
