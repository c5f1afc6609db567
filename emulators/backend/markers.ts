/**
 * Text markers the backend writes into issue comments and reads from PR bodies, with the exact
 * regular expressions of the real backend (their leniency and strictness are part of the contract).
 */

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const CLAIMED_AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

const CLAIM_MARKER_START = '<!-- EXECUTOR_CLAIM_V1';
const CLAIM_MARKER_RE = /<!-- EXECUTOR_CLAIM_V1\s*\n([\s\S]*?)\n-->/;
const RUN_MARKER_RE = /<!--\s*EXECUTOR_RUN_V1\s*(?:\r?\n)?([\s\S]*?)\s*-->/;
const RUN_MARKER_START_RE = /<!--\s*EXECUTOR_RUN_V1/;
const AUTO_CLOSE_RE = /\b(?:closes|closed|fixes|fixed|resolves|resolved)\s*#(\d+)\b/gi;

/** Raised for a marker that cannot be trusted; `message` is the backend's 409 error text. */
export class MarkerError extends Error {}

export function hasRefsIssue(body: string, issueNumber: number): boolean {
  return new RegExp(`\\bRefs\\s*#${issueNumber}\\b`, 'i').test(body);
}

export function hasForbiddenAutoClose(body: string, issueNumber: number): boolean {
  for (const match of body.matchAll(AUTO_CLOSE_RE)) if (Number(match[1]) === issueNumber) return true;
  return false;
}

/** Splits "key: value" lines; a line whose colon is missing or first is malformed. */
function parseMarkerLines(block: string, malformedMessage: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MarkerError(malformedMessage);
    values.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return values;
}

// ---- EXECUTOR_CLAIM_V1 (issue comments written by the claim route) ------------------------

export interface ClaimMarker {
  issue: number;
  project_item_id: string;
  run_id: string;
  claimed_at: string;
}

export function formatClaimMarker(marker: ClaimMarker): string {
  return [
    '<!-- EXECUTOR_CLAIM_V1',
    `issue: ${marker.issue}`,
    `project_item_id: ${marker.project_item_id}`,
    `run_id: ${marker.run_id}`,
    `claimed_at: ${marker.claimed_at}`,
    '-->',
  ].join('\n');
}

/** null when the comment has no claim marker; MarkerError when it has a broken one. */
export function parseClaimMarker(body: string): ClaimMarker | null {
  const match = CLAIM_MARKER_RE.exec(body);
  if (!match) {
    if (body.includes(CLAIM_MARKER_START)) throw new MarkerError('malformed claim marker block');
    return null;
  }
  const values = parseMarkerLines(match[1], 'malformed claim marker line');
  const issue = Number(values.get('issue'));
  const projectItemId = values.get('project_item_id') ?? '';
  const runId = values.get('run_id') ?? '';
  const claimedAt = values.get('claimed_at') ?? '';
  if (!Number.isInteger(issue) || issue <= 0) throw new MarkerError('invalid claim marker issue');
  if (!projectItemId) throw new MarkerError('invalid claim marker project_item_id');
  if (!UUID_RE.test(runId)) throw new MarkerError('invalid claim marker run_id');
  if (!CLAIMED_AT_RE.test(claimedAt)) throw new MarkerError('invalid claim marker claimed_at');
  return { issue, project_item_id: projectItemId, run_id: runId, claimed_at: claimedAt };
}

// ---- EXECUTOR_RUN_V1 (PR bodies written by the executor worker) --------------------------

export interface RunMarker {
  issue: number;
  project_item_id: string;
  run_id: string | null;
}

export function formatRunMarker(marker: { issue: number; project_item_id: string; run_id?: string }): string {
  return ['<!-- EXECUTOR_RUN_V1', `issue: ${marker.issue}`, `project_item_id: ${marker.project_item_id}`, ...(marker.run_id ? [`run_id: ${marker.run_id}`] : []), '-->'].join('\n');
}

/**
 * Two readers with different rules. The reviewer side (resolve-linked-pr) requires a UUID run_id
 * and rejects a started-but-unclosed block; the executor side (claim) accepts a missing run_id.
 */
export function parseRunMarker(body: string, side: 'reviewer' | 'executor'): RunMarker | null {
  if (!body) return null;
  const messages =
    side === 'reviewer'
      ? {
          block: 'malformed EXECUTOR_RUN_V1 marker block',
          line: 'malformed EXECUTOR_RUN_V1 marker line',
          issue: 'invalid EXECUTOR_RUN_V1 marker issue',
          item: 'invalid EXECUTOR_RUN_V1 marker project_item_id',
          runId: 'invalid EXECUTOR_RUN_V1 marker run_id',
        }
      : {
          block: '',
          line: 'malformed executor marker line',
          issue: 'invalid executor marker issue',
          item: 'invalid executor marker project_item_id',
          runId: 'invalid executor marker run_id',
        };
  const match = RUN_MARKER_RE.exec(body);
  if (!match) {
    if (side === 'reviewer' && RUN_MARKER_START_RE.test(body)) throw new MarkerError(messages.block);
    return null;
  }
  const values = parseMarkerLines(match[1], messages.line);
  const issue = Number(values.get('issue'));
  const projectItemId = values.get('project_item_id') ?? '';
  const runId = values.get('run_id') ?? '';
  if (!Number.isInteger(issue) || issue <= 0) throw new MarkerError(messages.issue);
  if (!projectItemId) throw new MarkerError(messages.item);
  if (side === 'reviewer' ? !UUID_RE.test(runId) : runId !== '' && !UUID_RE.test(runId)) throw new MarkerError(messages.runId);
  return { issue, project_item_id: projectItemId, run_id: runId || null };
}
