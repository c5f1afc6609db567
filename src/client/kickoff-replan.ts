/**
 * `run --kickoff --replan` while the sprint's workflow is still open: `run` attaches to an open
 * workflow (USE_EXISTING), which would silently ignore the new goal and the replan. Refused instead.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** The refusal message, or null when no run of the workflow is open. */
export async function replanWhileRunningProblem(client: Client, workflowId: string, sprint: string): Promise<string | null> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return null;
    return (
      `--replan needs sprint ${sprint}'s workflow ${workflowId} (run ${description.runId}) to have ended: it is still running. ` +
      `Stop it first (\`sprint-runner stop --sprint ${sprint}\`), then run the kickoff with --replan again.`
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
