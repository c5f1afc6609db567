/**
 * Issue titles the runner can know. Board items carry no title (../../docs/spec/backend-orchestrator-contract.md §B.1),
 * the backend has no read route (../../docs/spec/backend-orchestrator-contract.md §0) and neither RUN_INTENT lines nor
 * DISPATCH_SUMMARY name them, so the only source is the sprint plan (../../docs/spec/runner-behaviour.md §10.3): its
 * goal issue and its tasks. Items of a sprint without a plan (no kickoff, no plan file) have no known title.
 */

/** `{"<issue>": title}` for the plan's goal and tasks whose issue `wanted` accepts; undefined when none. */
export function planTitles(sprintPlan: Record<string, unknown> | null, wanted: (issue: number) => boolean): Record<string, string> | undefined {
  const tasks = Array.isArray(sprintPlan?.tasks) ? (sprintPlan.tasks as unknown[]) : [];
  const titles: Record<string, string> = {};
  for (const entry of [sprintPlan?.goal, ...tasks]) {
    if (!entry || typeof entry !== 'object') continue;
    const { issue_number: issue, title } = entry as { issue_number?: unknown; title?: unknown };
    if (typeof issue !== 'number' || !Number.isSafeInteger(issue) || issue <= 0 || typeof title !== 'string' || !title) continue;
    if (wanted(issue)) titles[String(issue)] = title;
  }
  return Object.keys(titles).length ? titles : undefined;
}
