/**
 * 6. Humans in the loop: how fast a rework gets the runner moving again on a sprint that is
 *    `awaiting-humans`. K items (default 20) wait in Needs Human Approval with their PRs; the loop
 *    sprint reaches `awaiting-humans`; then, one item at a time, the validated `requestRework` update
 *    is sent (what `sprint-runner rework` and the README recipe send) and the bench waits until the
 *    sprint awaits humans again. Start: just before the client call. Ends, from the item's history:
 *    the first intent signal after the rework (the executor fix-up the orchestrator dispatches for a
 *    human-rework origin) and the first REVIEWER intent signal (the re-review). Agent think time 0.
 *    The idle board check (SPRINT_IDLE_POLL_MINUTES) stays at its 5-minute default: the wake-up is
 *    the item's report, not the poll.
 */
import { itemWorkflowId, requestReworkUpdate, sprintStatusQuery, sprintWorkflow, sprintWorkflowId } from '../src/workflows';
import { startBenchTemporal } from './support/temporal';
import { boardItem, linkedPr, startBenchRig } from './support/rig';
import { ET, eventTimeMs, workflowFigures } from './support/history';
import { distribution, envInt, pct, waitFor } from './support/stats';
import type { BenchContext, BenchResult } from './types';

function intentRole(event: {
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null; input?: { payloads?: Array<{ data?: Uint8Array | null }> | null } | null } | null;
}): string | null {
  const attributes = event.workflowExecutionSignaledEventAttributes;
  if (attributes?.signalName !== 'runIntent') return null;
  const data = attributes.input?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    return (JSON.parse(Buffer.from(data).toString('utf8')) as { intent?: { role?: string } }).intent?.role ?? null;
  } catch {
    return null;
  }
}

export async function humansBench(ctx: BenchContext): Promise<BenchResult> {
  const k = envInt('BENCH_HUMANS_ITEMS', 20);
  const started = Date.now();
  const problems: string[] = [];
  const temporal = await startBenchTemporal();
  try {
    const items = Array.from({ length: k }, (_, i) => boardItem(i + 1, 'Needs Human Approval'));
    const prs = Array.from({ length: k }, (_, i) => linkedPr(i + 1, 20_001 + i));
    const rig = await startBenchRig(temporal, {
      board: { items, prs },
      config: { SPRINT_IDLE_POLL_MINUTES: '5' },
      childEnv: { AGENT_SCRIPT_JSON: JSON.stringify({ defaults: { thinkMs: 0 } }) },
    });
    try {
      const handle = await temporal.client.workflow.start(sprintWorkflow, {
        taskQueue: rig.config.temporalTaskQueue,
        workflowId: sprintWorkflowId('M1'),
        args: [{ sprint: 'M1', mode: 'loop' }],
      });
      const awaiting = () => waitFor('sprint awaiting humans', async () => (await handle.query(sprintStatusQuery).catch(() => null))?.phase === 'awaiting-humans', 120_000, 50);
      await awaiting();
      ctx.log(`humans: ${k} reworks, one at a time, on a sprint awaiting humans`);
      const reworkAt = new Map<number, number>();
      for (let issue = 1; issue <= k; issue += 1) {
        // Every item has its workflow once the sprint saw it on the board.
        await waitFor(
          `item #${issue} workflow`,
          () =>
            temporal.client.workflow
              .getHandle(itemWorkflowId('M1', issue))
              .describe()
              .then(
                () => true,
                () => false,
              ),
          30_000,
          50,
        );
        const start = Date.now();
        await temporal.client.workflow.getHandle(itemWorkflowId('M1', issue)).executeUpdate(requestReworkUpdate, { args: [{ reason: `bench rework of #${issue}` }] });
        reworkAt.set(issue, start);
        // The update returned once the move landed; wait for the fix-up and re-review to bring it back.
        await waitFor(
          `#${issue} reviewed again`,
          () =>
            rig.backend.board
              .effectLog()
              .some((e) => e.kind === 'transition' && e.issue_number === issue && e.from === 'In Review' && e.to === 'Needs Human Approval' && Date.parse(e.at) >= start),
          120_000,
          50,
        );
        await waitFor(
          `#${issue} back in Needs Human Approval`,
          async () => {
            const status = await handle.query(sprintStatusQuery).catch(() => null);
            return status?.phase === 'awaiting-humans' && status.items.find((item) => item.issueNumber === issue)?.boardStatus === 'Needs Human Approval';
          },
          120_000,
          50,
        );
      }
      const toFirstIntent: number[] = [];
      const toReviewer: number[] = [];
      for (let issue = 1; issue <= k; issue += 1) {
        const figures = await workflowFigures(temporal.client, itemWorkflowId('M1', issue));
        const start = reworkAt.get(issue)!;
        const after = figures.allEvents.filter((event) => event.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && eventTimeMs(event) >= start);
        const first = after.find((event) => intentRole(event) !== null);
        const reviewer = after.find((event) => intentRole(event) === 'REVIEWER');
        if (first) toFirstIntent.push(eventTimeMs(first) - start);
        else problems.push(`#${issue}: no intent after its rework`);
        if (reviewer) toReviewer.push(eventTimeMs(reviewer) - start);
        else problems.push(`#${issue}: no reviewer intent after its rework`);
      }
      const firstIntent = distribution(toFirstIntent);
      const reviewer = distribution(toReviewer);
      if (reviewer.p99 !== null && reviewer.p99 > 2000) problems.push(`rework → reviewer dispatched p99 ${reviewer.p99} ms is over the 2 s goal`);
      await handle.executeUpdate('close', { args: [{ reason: 'bench done' }] });
      return {
        name: 'humans',
        title: `Humans in the loop: ${k} reworks on a sprint awaiting humans`,
        wallS: (Date.now() - started) / 1000,
        problems,
        figures: [
          {
            metric: `rework → first intent dispatched (p50/p95/p99, ${firstIntent.n})`,
            value: pct(firstIntent),
            unit: 'ms',
            note: 'client executeUpdate call → first runIntent signal in the item history (the executor fix-up)',
          },
          {
            metric: `rework → reviewer dispatched (p50/p95/p99, ${reviewer.n})`,
            value: pct(reviewer),
            unit: 'ms',
            note: 'client executeUpdate call → the REVIEWER runIntent signal (after the fix-up ran); goal ≤ 2 s p99',
          },
        ],
        details: { items: k, firstIntent, reviewer },
      };
    } finally {
      await rig.stop();
    }
  } finally {
    await temporal.close();
  }
}
