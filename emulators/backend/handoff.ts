/**
 * Status transitions that hand work to someone else must carry metadata, which the backend checks
 * and then posts as an audit comment on the issue. This module decides which transitions need it,
 * validates it (first failure wins, exact messages) and renders the comment text.
 */
import { isNonEmptyString } from '../shared/json-file';

export type HandoffResponseKey = 'handoff_comment' | 'rework_comment' | 'failure_comment' | 'retry_comment';

export function handoffKeyFor(role: string, from: string, to: string): HandoffResponseKey | null {
  if (role === 'ORCHESTRATOR' && from === 'In Review' && to === 'Needs Human Approval') return 'handoff_comment';
  if ((role === 'HUMAN' || role === 'ORCHESTRATOR') && from === 'Needs Human Approval' && to === 'In Review') return 'rework_comment';
  if (role === 'ORCHESTRATOR' && (from === 'In Progress' || from === 'In Review') && to === 'Blocked') return 'failure_comment';
  if (role === 'ORCHESTRATOR' && from === 'Blocked' && to === 'Ready') return 'retry_comment';
  return null;
}

export type HandoffCheck = { error: string } | { issueNumber: number; comment: string };

type Body = Record<string, unknown>;

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

/** Non-strings and blank entries are dropped before the non-empty check. */
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter(isNonEmptyString).map((entry) => entry.trim()) : [];
}

function bullets(list: string[]): string[] {
  return list.map((entry) => `- ${entry}`);
}

function markerBlock(name: string, lines: string[], runId: unknown): string[] {
  return [`<!-- ${name}`, ...lines, ...(isNonEmptyString(runId) ? [`run_id: ${runId.trim()}`] : []), '-->'];
}

export function checkHandoff(key: HandoffResponseKey, body: Body, role: string, from: string, to: string): HandoffCheck {
  const projectItemId = String(body.project_item_id).trim();
  switch (key) {
    case 'handoff_comment': {
      const suffix = 'for Needs Human Approval transition';
      if (!isPositiveInteger(body.issue_number)) return { error: `body.issue_number must be a positive integer ${suffix}` };
      if (!isNonEmptyString(body.pr_url)) return { error: `body.pr_url is required ${suffix}` };
      const lists: Record<string, string[]> = {};
      for (const name of ['checks_performed', 'checks_passed', 'human_steps']) {
        lists[name] = stringList(body[name]);
        if (lists[name].length === 0) return { error: `body.${name} must be a non-empty array of strings ${suffix}` };
      }
      const comment = [
        'Reviewer handoff: Needs Human Approval',
        '',
        `Linked issue: #${body.issue_number}`,
        `Linked PR: ${body.pr_url.trim()}`,
        '',
        'What was checked:',
        ...bullets(lists.checks_performed),
        '',
        'What passed:',
        ...bullets(lists.checks_passed),
        '',
        'Human steps:',
        ...bullets(lists.human_steps),
        '',
        ...markerBlock('NEEDS_HUMAN_APPROVAL_HANDOFF_V1', [`project_item_id: ${projectItemId}`], body.run_id),
      ];
      return { issueNumber: body.issue_number, comment: comment.join('\n') };
    }
    case 'rework_comment': {
      const suffix = 'for Needs Human Approval -> In Review transition';
      if (!isPositiveInteger(body.issue_number)) return { error: `body.issue_number must be a positive integer ${suffix}` };
      const reasonSource = isNonEmptyString(body.human_rework_reason) ? body.human_rework_reason : body.human_step;
      if (!isNonEmptyString(reasonSource)) return { error: `body.human_rework_reason (or body.human_step) is required ${suffix}` };
      const reason = reasonSource.trim();
      const requested = stringList(body.requested_actions);
      const comment = [
        'Human rework request: Needs Human Approval -> In Review',
        '',
        `Linked issue: #${body.issue_number}`,
        `Reason: ${reason}`,
        '',
        'Requested actions:',
        ...bullets(requested.length > 0 ? requested : [reason]),
        '',
        ...markerBlock('HUMAN_REWORK_REQUEST_V1', [`project_item_id: ${projectItemId}`, `from: ${from}`, `to: ${to}`, `requested_by_role: ${role}`], body.run_id),
      ];
      return { issueNumber: body.issue_number, comment: comment.join('\n') };
    }
    case 'failure_comment': {
      const suffix = `for ${from} -> Blocked transition`;
      if (!isPositiveInteger(body.issue_number)) return { error: `body.issue_number must be a positive integer ${suffix}` };
      if (!isNonEmptyString(body.failure_classification)) return { error: `body.failure_classification is required ${suffix}` };
      if (!isNonEmptyString(body.failure_message)) return { error: `body.failure_message is required ${suffix}` };
      const steps = stringList(body.suggested_next_steps);
      if (steps.length === 0) return { error: `body.suggested_next_steps must be a non-empty array of strings ${suffix}` };
      const comment = [
        'Executor failure handoff: Blocked',
        '',
        `Linked issue: #${body.issue_number}`,
        `Failure stage: ${from} -> Blocked`,
        `Failure classification: ${body.failure_classification.trim()}`,
        '',
        'Failure message:',
        body.failure_message.trim(),
        '',
        'Suggested next steps:',
        ...bullets(steps),
        '',
        ...markerBlock('EXECUTOR_FAILURE_BLOCKED_V1', [`project_item_id: ${projectItemId}`], body.run_id),
      ];
      return { issueNumber: body.issue_number, comment: comment.join('\n') };
    }
    case 'retry_comment': {
      const suffix = 'for Blocked -> Ready transition';
      if (!isPositiveInteger(body.issue_number)) return { error: `body.issue_number must be a positive integer ${suffix}` };
      for (const name of ['retry_reason', 'failure_classification', 'failure_error_code']) {
        if (!isNonEmptyString(body[name])) return { error: `body.${name} is required ${suffix}` };
      }
      if (!Number.isInteger(body.blocked_minutes) || (body.blocked_minutes as number) < 0) {
        return { error: `body.blocked_minutes must be a non-negative integer ${suffix}` };
      }
      const steps = stringList(body.suggested_next_steps);
      if (steps.length === 0) return { error: `body.suggested_next_steps must be a non-empty array of strings ${suffix}` };
      const comment = [
        'Orchestrator retry handoff: Blocked -> Ready',
        '',
        `Linked issue: #${body.issue_number}`,
        `Retry reason: ${String(body.retry_reason).trim()}`,
        `Previous failure classification: ${String(body.failure_classification).trim()}`,
        `Previous error code: ${String(body.failure_error_code).trim()}`,
        `Blocked duration minutes: ${body.blocked_minutes}`,
        '',
        'Suggested next steps:',
        ...bullets(steps),
        '',
        ...markerBlock('BLOCKED_RETRY_READY_V1', [`project_item_id: ${projectItemId}`], body.run_id),
      ];
      return { issueNumber: body.issue_number, comment: comment.join('\n') };
    }
  }
}
