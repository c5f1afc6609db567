/**
 * The Temporal Web UI as an operator sees it, in a real headless Chromium (Debian's `chromium`,
 * driven by playwright-core; nothing is downloaded): a sprint with the emulators runs on a dev server
 * of its own WITH the Web UI (jest's shared server is headless), and the UI must show the sprint and
 * item workflows found through `Sprint="M1"`, an item's current details, and the timer summaries
 * the workflows set. Screenshots go to test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { startE2eRig, boardItem, type E2eRig } from '../support/e2e';
import { eventually } from '../support/item-harness';
import type { TestTemporal } from '../support/temporal';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SPRINT = 'M1';

/** CHROMIUM_PATH, else the first Chromium/Chrome on PATH. Never downloads one. */
function chromiumPath(): string {
  const explicit = process.env.CHROMIUM_PATH?.trim();
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
    return explicit;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  throw new Error(
    "No Chromium for the Web UI test: install Debian's package (`apt-get install -y chromium`) or set CHROMIUM_PATH " +
      'to a Chromium/Chrome binary. The test does not download browsers.',
  );
}

/** Waits until some frame of the page (the UI renders details in sandboxed iframes) shows `text`. */
async function textInAnyFrame(page: Page, text: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (
        await frame
          .getByText(text)
          .count()
          .catch(() => 0)
      )
        return;
    }
    if (Date.now() > deadline) throw new Error(`no frame of ${page.url()} shows ${text} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const linkedPr = (issue: number, number: number) => ({
  number,
  issue_number: issue,
  head_ref: `executor/issue-${issue}`,
  body: `Work for #${issue}.\n\nRefs #${issue}\n\n<!-- EXECUTOR_RUN_V1\nissue: ${issue}\nproject_item_id: PVTI_${issue}\nrun_id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n-->`,
});

describe('Temporal Web UI in headless Chromium', () => {
  let server: DevServer;
  let temporal: TestTemporal;
  let rig: E2eRig;
  let browser: Browser;
  let page: Page;
  let uiUrl: string;

  beforeAll(async () => {
    const executablePath = chromiumPath(); // fails the suite clearly when there is none
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // Already installed in this worker process.
    }
    server = await startDevServer({
      uiPort: await freePort(),
      dbFile: join(mkdtempSync(join(tmpdir(), 'sr-ui-')), 'temporal.db'),
      logLevel: 'error',
    });
    uiUrl = server.uiUrl!;
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    temporal = {
      client: new Client({ connection, namespace: 'default' }),
      nativeConnection,
      async close() {
        await connection.close();
        await nativeConnection.close();
      },
    };
    rig = await startE2eRig(
      temporal,
      {
        items: [boardItem(1, 'In Review'), boardItem(2, 'Ready'), boardItem(3, 'Backlog')],
        issues: { '1': { title: '[TASK] Add GET /health' }, '2': { title: '[TASK] Retry webhooks with backoff' }, '3': { title: '[TASK] Later' } },
        prs: [linkedPr(1, 10)],
      },
      {
        // #2's Codex run hangs past the tools/call deadline: mcp_timeout, Blocked, a 15-minute cooldown timer.
        CODEX_TOOLS_CALL_TIMEOUT_S: '3',
        BLOCKED_RETRY_MINUTES: '15',
        BLOCKED_RETRY_MAX_ATTEMPTS: '3',
        // #3 stays in the Backlog, so the sprint keeps ticking: its tick timer stays visible.
        RUNNER_AUTOPROMOTE: 'false',
        ORCHESTRATOR_POLL_INTERVAL_MS: '20000',
      },
      { defaults: { thinkMs: 100 }, issues: { '2': { attempts: { EXECUTOR: [{ mode: 'hang' }] } } } },
    );
    await temporal.client.workflow.start('sprintWorkflow', {
      taskQueue: rig.config.temporalTaskQueue,
      workflowId: `sprint-${SPRINT}`,
      args: [{ sprint: SPRINT, mode: 'loop' }],
    });
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
    await temporal?.close();
    await server?.stop();
  });

  const board = (issue: number) => rig.backend.board.listProjectItems().find((item) => item.issue_number === issue)?.fields.Status;

  it('lists the sprint and its items for Sprint="M1", and shows an item with its details and timers', async () => {
    await eventually(
      () => [board(1), board(2)],
      ([a, b]) => a === 'Needs Human Approval' && b === 'Blocked',
      60_000,
    );
    // The item workflow has published its state and set its cooldown timer.
    await eventually(
      () => temporal.client.workflow.getHandle(`sprint-${SPRINT}-item-2`).query<{ pendingTimer: { summary: string } | null }>('itemStatus'),
      (status) => status.pendingTimer?.summary.startsWith('Blocked cooldown') === true,
      30_000,
    );

    // The workflow list, filtered like the operator would (the query is a URL parameter).
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`Sprint="${SPRINT}"`)}`);
    await page.getByText(`sprint-${SPRINT}-item-2`, { exact: true }).first().waitFor({ timeout: 30_000 });
    for (const id of [`sprint-${SPRINT}`, `sprint-${SPRINT}-item-1`, `sprint-${SPRINT}-item-2`]) {
      await page.getByText(id, { exact: true }).first().waitFor({ timeout: 10_000 });
    }
    await page.screenshot({ path: join(ARTIFACTS, 'web-ui-sprint-list.png'), fullPage: true });

    // Open the Blocked item: its current details and the blocked-retry timer's summary.
    await page.getByText(`sprint-${SPRINT}-item-2`, { exact: true }).first().click();
    await page.waitForURL(/\/workflows\/sprint-M1-item-2\//, { timeout: 30_000 });
    // Timer and activity summaries label the event history's timeline.
    await page
      .getByText(/Blocked cooldown 15m, attempt 1\/3/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .getByText(/Watchdog 900s for EXECUTOR run [0-9a-f]{8}…/)
      .first()
      .waitFor({ timeout: 10_000 });
    await page
      .getByText(/Codex EXECUTOR run [0-9a-f]{8}… for #2/)
      .first()
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'web-ui-item-blocked.png'), fullPage: true });
    // Current details (User Metadata) and the search attributes the list filters on.
    await page.getByRole('tab', { name: /User Metadata/ }).click();
    await page.getByText('Events with Metadata').waitFor({ timeout: 30_000 });
    await textInAnyFrame(page, /M1 · #2 · Blocked/, 30_000); // rendered in a sandboxed frame
    await page
      .getByText(/Blocked cooldown 15m, attempt 1\/3/)
      .first()
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'web-ui-item-details.png'), fullPage: true });
    await page.getByRole('tab', { name: /Search Attributes/ }).click();
    await page
      .getByText(/"BoardStatus":\s*"Blocked"/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .getByText(/"Sprint":\s*"M1"/)
      .first()
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'web-ui-item-search-attributes.png'), fullPage: true });

    // The sprint workflow: the orchestrator tick timer's summary. Ticks are fixed-rate (issue #18): the
    // wait is the 20 s interval less the tick's own duration.
    const sprintRun = (await temporal.client.workflow.getHandle(`sprint-${SPRINT}`).describe()).runId;
    await page.goto(`${uiUrl}/namespaces/default/workflows/sprint-${SPRINT}/${sprintRun}/history`);
    await page
      .getByText(/Next orchestrator tick in (1[0-9]|20)s/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'web-ui-sprint.png'), fullPage: true });
  }, 150_000);
});
