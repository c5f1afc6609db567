/**
 * plan-apply's write into the orchestrator state file on the backend host: poll_count and items are
 * kept, sprint_plan and ownership_index are replaced. No lock, like the real backend.
 */
import { isAbsolute, resolve } from 'node:path';
import { isPlainObject, readJsonIfExistsSync, writeJsonAtomic } from '../shared/json-file';
import type { OwnershipIndex, SprintPlan } from './sprint-ownership';

export function resolveStatePath(repoRoot: string, configured: string): string {
  return isAbsolute(configured) ? configured : resolve(repoRoot, configured);
}

export async function writeSprintPlanToStateFile(path: string, sprintPlan: SprintPlan, ownershipIndex: OwnershipIndex): Promise<void> {
  let existing: unknown;
  try {
    existing = readJsonIfExistsSync(path);
  } catch {
    existing = undefined; // an unreadable or corrupt file is replaced
  }
  const current = isPlainObject(existing) ? existing : {};
  await writeJsonAtomic(path, {
    poll_count: Number.isInteger(current.poll_count) ? current.poll_count : 0,
    items: isPlainObject(current.items) ? current.items : {},
    sprint_plan: sprintPlan,
    ownership_index: ownershipIndex,
  });
}
