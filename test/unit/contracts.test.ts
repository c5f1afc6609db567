/** The boundary schemas accept the contract's own examples and refuse what callers rely on (src/contracts). */
import { ClaimResponseSchema, PreflightResponseSchema, ResolveLinkedPrResponseSchema, UpdateFieldResponseSchema } from '../../src/contracts/backend';
import { AgentContextBundleSchema } from '../../src/contracts/bundle';
import { RunIntentSchema } from '../../src/contracts/intent';
import { PlanApplyResponseSchema, SprintPlanCacheSchema } from '../../src/contracts/kickoff';
import { WorkerResultSchema } from '../../src/contracts/worker-result';

// ../../docs/spec/backend-orchestrator-contract.md §A
describe('backend responses', () => {
  it('preflight PASS and FAIL bodies parse', () => {
    const fail = {
      role: 'ORCHESTRATOR', bundle_hash: '77e1', template: { path: '.github/ISSUE_TEMPLATE/milestone-task.yml', size_bytes: 0, sha256: '' },
      project_schema: { status: 'FAIL', mismatches: [{ field: 'Sprint', kind: 'missing_field' }] }, status: 'FAIL',
      errors: [{ source: 'template', code: 'template_missing' }],
    };
    expect(PreflightResponseSchema.parse(fail).status).toBe('FAIL');
  });
  it('claim: an item or null, never absent', () => {
    const claimed = { role: 'EXECUTOR', run_id: 'r', claimed: { issue_number: 21, issue_url: 'u', project_item_id: 'PVTI_21', branch: 'executor/issue-21', fields_set: { Status: 'In Progress' } } };
    expect(ClaimResponseSchema.parse(claimed).claimed?.issue_number).toBe(21);
    expect(ClaimResponseSchema.parse({ role: 'EXECUTOR', run_id: 'r', claimed: null, reason: 'no_claimable_ready_item_found' }).claimed).toBeNull();
    expect(ClaimResponseSchema.safeParse({ role: 'EXECUTOR', run_id: 'r' }).success).toBe(false);
  });
  it('update-field and resolve-linked-pr bodies parse and keep extra keys', () => {
    expect(UpdateFieldResponseSchema.parse({ role: 'ORCHESTRATOR', project_item_id: 'P', updated: { Status: 'Ready' }, retry_comment: { id: 1, html_url: 'u' } }).retry_comment?.id).toBe(1);
    expect(ResolveLinkedPrResponseSchema.parse({ pr_number: 77, pr_url: 'u', head_sha: 'abc', extra: true })).toMatchObject({ extra: true });
    expect(ResolveLinkedPrResponseSchema.safeParse({ pr_number: '77' }).success).toBe(false);
  });
  it('plan-apply APPLIED parses', () => {
    const applied = { role: 'ORCHESTRATOR', sprint: 'M1', status: 'APPLIED', created: [{ index: 0 }], sprint_plan: { 101: {} }, ownership_index: { 'apps/api': 101 } };
    expect(PlanApplyResponseSchema.parse(applied).status).toBe('APPLIED');
  });
});

describe('runner messages', () => {
  it('a bundle needs a role and files with path and content', () => {
    expect(AgentContextBundleSchema.safeParse({ role: 'REVIEWER', files: [{ path: 'AGENTS.md', size_bytes: 3, sha256: 'x', content: 'abc' }], bundle_hash: 'h' }).success).toBe(true);
    expect(AgentContextBundleSchema.safeParse({ role: 'REVIEWER', files: [{ path: 'AGENTS.md' }] }).success).toBe(false);
  });
  it('a run intent is normalised: upper-case role, /internal/ endpoint', () => {
    const intent = { type: 'RUN_INTENT', role: 'REVIEWER', run_id: 'r', endpoint: '/internal/reviewer/resolve-linked-pr', body: {}, raw: {} };
    expect(RunIntentSchema.safeParse(intent).success).toBe(true);
    expect(RunIntentSchema.safeParse({ ...intent, role: 'reviewer' }).success).toBe(false);
  });
  it('a worker result has a known outcome or null', () => {
    const result = { run_id: 'r', role: 'REVIEWER', status: 'succeeded', outcome: 'PASS', summary: '', urls: {}, errors: [], marker_verified: null };
    expect(WorkerResultSchema.safeParse(result).success).toBe(true);
    expect(WorkerResultSchema.safeParse({ ...result, outcome: 'MAYBE' }).success).toBe(false);
  });
  it('the sprint plan cache needs version 1', () => {
    const cache = { version: 1, sprint: 'M1', generated_at: 't', goal: { title: 'g', issue_number: 1, project_item_id: 'P' }, tasks: [], ready_set_titles: [], sprint_plan: {}, ownership_index: {} };
    expect(SprintPlanCacheSchema.safeParse(cache).success).toBe(true);
    expect(SprintPlanCacheSchema.safeParse({ ...cache, version: 2 }).success).toBe(false);
  });
});
