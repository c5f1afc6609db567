/**
 * Issue → pull request linkage, as the claim route (executor side: "is there already a PR?") and
 * the resolve route (reviewer side: "which one PR is it?") compute it. Both scan every PR in the
 * repository, open or closed, so one bad PR body can block unrelated issues; that is deliberate.
 * The emulated PR listing always carries full bodies, so the real routes' re-fetch of truncated
 * bodies never changes the outcome here.
 */
import type { BoardItem, PullRequest } from './board';
import { MarkerError, hasForbiddenAutoClose, hasRefsIssue, parseRunMarker } from './markers';

export interface LinkedPullRequest {
  pr_number: number;
  pr_url: string;
  issue_number: number;
  project_item_id: string;
  run_id: string;
  head_ref: string;
  head_sha: string;
}

/** Reviewer-side failure: `code` becomes the 409 body's `error`, details are spread after it. */
export class ReviewerLinkageError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function resolveLinkedPullRequest(items: BoardItem[], pulls: PullRequest[], issueNumber: number): LinkedPullRequest {
  const matches = items.filter((item) => item.issue_number === issueNumber);
  if (matches.length !== 1) {
    throw new ReviewerLinkageError('ambiguous_linked_pr', 'issue maps to zero or multiple project items', {
      ambiguous: true,
      issue_number: issueNumber,
      project_item_match_count: matches.length,
    });
  }
  const expectedProjectItemId = matches[0].project_item_id;
  const linked: LinkedPullRequest[] = [];

  for (const pr of pulls) {
    const body = pr.body ?? '';
    const where = { ambiguous: true, pr_number: pr.number, pr_url: pr.html_url };
    const refsThisIssue = hasRefsIssue(body, issueNumber);
    let marker;
    try {
      marker = parseRunMarker(body, 'reviewer');
    } catch (err) {
      if (err instanceof MarkerError) throw new ReviewerLinkageError('malformed_marker', err.message, { ambiguous: true });
      throw err;
    }
    if (hasForbiddenAutoClose(body, issueNumber)) {
      throw new ReviewerLinkageError('forbidden_autoclose', 'forbidden auto-close keyword detected for linked issue', where);
    }
    if (!refsThisIssue && marker?.issue === issueNumber) {
      throw new ReviewerLinkageError('marker_without_refs', 'marker references issue without Refs #N', where);
    }
    if (!refsThisIssue) continue;
    if (!marker) throw new ReviewerLinkageError('unmarked_refs', 'unmarked_refs', where);
    if (marker.issue !== issueNumber) {
      throw new ReviewerLinkageError('marker_issue_mismatch', 'marker issue mismatch for Refs #N', where);
    }
    if (marker.project_item_id !== expectedProjectItemId) {
      throw new ReviewerLinkageError('project_item_id_mismatch', 'marker project_item_id does not match project item for issue', {
        ...where,
        issue_number: issueNumber,
        expected_project_item_id: expectedProjectItemId,
        actual_project_item_id: marker.project_item_id,
      });
    }
    linked.push({
      pr_number: pr.number,
      pr_url: pr.html_url,
      issue_number: issueNumber,
      project_item_id: marker.project_item_id,
      run_id: marker.run_id ?? '',
      head_ref: pr.head_ref,
      head_sha: pr.head_sha,
    });
  }

  if (linked.length !== 1) {
    throw new ReviewerLinkageError('ambiguous_linked_pr', 'ambiguous linked PR resolution', {
      ambiguous: true,
      issue_number: issueNumber,
      linked_count: linked.length,
      prs: linked,
    });
  }
  return linked[0];
}

/** Executor-side failure: the claim route answers 409 `{error: message, ...details}`. */
export class ExecutorLinkageError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type ExecutorLinkage = { linked: false } | { linked: true; reason: 'unmarked_refs' | 'marked_linked_pr'; pr_number: number; pr_url: string };

export function findExistingPullRequest(pulls: PullRequest[], issueNumber: number, projectItemId: string): ExecutorLinkage {
  const linked: { reason: 'unmarked_refs' | 'marked_linked_pr'; pr_number: number; pr_url: string }[] = [];
  for (const pr of pulls) {
    const body = pr.body ?? '';
    const refsThisIssue = hasRefsIssue(body, issueNumber);
    let marker;
    try {
      marker = parseRunMarker(body, 'executor');
    } catch (err) {
      if (err instanceof MarkerError) throw new ExecutorLinkageError(err.message, { ambiguous: true });
      throw err;
    }
    if (hasForbiddenAutoClose(body, issueNumber)) {
      throw new ExecutorLinkageError('forbidden auto-close keyword detected for issue linkage', {
        pr_number: pr.number,
        pr_url: pr.html_url,
      });
    }
    const where = { ambiguous: true, pr_number: pr.number, pr_url: pr.html_url };
    if (!refsThisIssue && marker?.issue === issueNumber) {
      throw new ExecutorLinkageError('executor marker references issue without Refs #N', where);
    }
    if (!refsThisIssue) continue;
    if (!marker) {
      linked.push({ reason: 'unmarked_refs', pr_number: pr.number, pr_url: pr.html_url });
      continue;
    }
    if (marker.issue !== issueNumber) throw new ExecutorLinkageError('executor marker issue mismatch for Refs #N', where);
    if (marker.project_item_id !== projectItemId) {
      throw new ExecutorLinkageError('executor marker project_item_id mismatch for issue', where);
    }
    linked.push({ reason: 'marked_linked_pr', pr_number: pr.number, pr_url: pr.html_url });
  }
  if (linked.length > 1) throw new ExecutorLinkageError('multiple linked PRs found for issue', { ambiguous: true, prs: linked });
  return linked.length === 1 ? { linked: true, ...linked[0] } : { linked: false };
}
