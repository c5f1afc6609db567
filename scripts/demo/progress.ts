/** The demo's terminal output: one short line per event that tells the story. */
import type { RunnerEvent } from '../../src/logging';

export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

/** One short line per event that tells the story; everything with --verbose. */
export function progressLine(event: RunnerEvent, verbose: boolean): string | null {
  const id = typeof event.workflow_id === 'string' ? event.workflow_id.replace(/^sprint-DEMO-item-/, '#').replace(/^sprint-DEMO$/, 'sprint') : '';
  const f = event as Record<string, unknown>;
  const run = typeof f.run_id === 'string' ? ` run ${f.run_id.slice(0, 8)}` : '';
  switch (event.type) {
    case 'RUNNER_STARTED':
      return `sprint ${f.sprint} started (poll ${f.poll_interval_ms} ms)`;
    case 'WORKER_STARTED':
      return `${id} ${f.role}${run} started (${String(f.endpoint).split('/').pop()})`;
    case 'WORKER_FINISHED':
      return `${id} ${f.role}${run} finished: ${f.status} in ${f.elapsed_s}s`;
    case 'WORKER_FAILED':
      return `${id} ${f.role}${run} FAILED: ${f.classification} ${f.error_code}`;
    case 'REVIEW_OUTCOME':
      return `${id} review ${f.outcome}`;
    case 'WORKER_RECOVERY_STATUS_UPDATED':
      return `${id} ${f.from} → ${f.to} (blocked-retry timer set)`;
    case 'BLOCKED_RETRY':
      return `${id} blocked-retry timer fired: Blocked → Ready after ${f.blocked_minutes} min`;
    case 'BOARD_PROMOTION_APPLIED':
      return `#${f.issue_number} promoted ${f.from} → ${f.to}`;
    case 'HUMAN_REWORK_REQUESTED':
      return `${id} human rework requested: Needs Human Approval → In Review`;
    case 'SPRINT_AWAITING_HUMANS':
      return `sprint awaits humans: Needs Human Approval ${JSON.stringify(f.needs_human_approval)}, Blocked ${JSON.stringify(f.blocked)}`;
    case 'SPRINT_RUNNING_AGAIN':
      return 'sprint has automatic work again (a rework or a card moved by hand)';
    case 'INTENT_SUPERSEDED':
      return `${id} ${f.role}${run} dropped before Codex: ${f.reason}`;
    case 'END_OF_SPRINT_SUMMARY':
      return `sprint complete, every item Done: ${JSON.stringify(f.status_counts)}`;
    case 'SPRINT_CLOSED':
      return `sprint closed (${f.reason}); ${f.items_ended} item workflow(s) ended`;
    case 'HARD_STOP':
      return `HARD STOP: ${f.reason}: ${f.error}`;
    default:
      if (!verbose) return null;
      return `${id ? `${id} ` : ''}${event.type} ${JSON.stringify({ ...f, type: undefined, workflow_id: undefined }).slice(0, 200)}`;
  }
}
