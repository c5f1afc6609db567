/**
 * Which item a claim run holds. Claim intents are not bound to an item on the backend: the claim
 * endpoint hands out the next Ready item (../../docs/spec/backend-orchestrator-contract.md §A.6), so a
 * claim run routed to item A may claim item B, and only its answer says which. Codex makes
 * that call with a shell command (the prompt tells it to call the endpoint), and reports the command
 * with its output; this reads the claimed item out of it. The backend has no read route for claim
 * markers, so this is how a lost run's item is known (item workflow: the lost-claim resume).
 */
import { CLAIM_ENDPOINT } from './intents';

export interface ClaimedItem {
  issueNumber: number;
  projectItemId: string;
}

/** The item a finished command's output claimed; null when the command is no claim call or claimed nothing. */
export function claimedItemFromCommand(command: string, output: string | null | undefined): ClaimedItem | null {
  if (!command.includes(CLAIM_ENDPOINT) || !output) return null;
  for (const candidate of jsonCandidates(output)) {
    const claimed = (candidate as { claimed?: unknown }).claimed;
    if (typeof claimed !== 'object' || claimed === null) continue;
    const { issue_number: issueNumber, project_item_id: projectItemId } = claimed as Record<string, unknown>;
    if (typeof issueNumber === 'number' && Number.isSafeInteger(issueNumber) && issueNumber > 0 && typeof projectItemId === 'string' && projectItemId) {
      return { issueNumber, projectItemId };
    }
  }
  return null;
}

/** The whole output as JSON, else each line that is a JSON object (curl -i headers, progress lines). */
function* jsonCandidates(output: string): Generator<object> {
  const parsed = tryJson(output.trim());
  if (parsed) yield parsed;
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || trimmed === output.trim()) continue;
    const value = tryJson(trimmed);
    if (value) yield value;
  }
}

function tryJson(text: string): object | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
