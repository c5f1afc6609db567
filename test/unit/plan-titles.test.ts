/** Issue titles from the sprint plan (src/domain/plan-titles.ts), which `status` shows in its TITLE column. */
import { planTitles } from '../../src/domain/plan-titles';
import { formatItemTable } from '../../src/client/commands/status';
import type { ItemStatus } from '../../src/workflows/item/messages';

const plan = {
  version: 1,
  sprint: 'M1',
  goal: { title: '[SPRINT GOAL] M1: Ship login', issue_number: 10, project_item_id: 'PVTI_10' },
  tasks: [
    { title: '[TASK] Add login form', issue_number: 11, project_item_id: 'PVTI_11' },
    { title: '[TASK] Add session store', issue_number: 12, project_item_id: 'PVTI_12' },
    { title: '', issue_number: 13 },
    { title: '[TASK] no number' },
    'not an object',
  ],
};

describe('planTitles', () => {
  it('names the goal issue and every task, for the issues wanted', () => {
    expect(planTitles(plan, () => true)).toEqual({
      '10': '[SPRINT GOAL] M1: Ship login',
      '11': '[TASK] Add login form',
      '12': '[TASK] Add session store',
    });
    expect(planTitles(plan, (issue) => issue === 12)).toEqual({ '12': '[TASK] Add session store' });
  });

  it('is undefined without a plan, or when no wanted issue has a title', () => {
    expect(planTitles(null, () => true)).toBeUndefined();
    expect(planTitles({ tasks: 'nope' }, () => true)).toBeUndefined();
    expect(planTitles(plan, (issue) => issue === 13)).toBeUndefined();
  });
});

describe('status table', () => {
  const item = (issueNumber: number, title: string | null) =>
    ({ issueNumber, title, boardStatus: 'Ready', currentRun: null, queuedIntents: [], pendingTimer: null }) as unknown as ItemStatus;

  it('shows the known title and "-" for an item without one', () => {
    const lines = formatItemTable([item(11, '[TASK] Add login form'), item(42, null)]).split('\n');
    expect(lines[0]).toMatch(/^ISSUE\s+TITLE\s+BOARD STATUS/);
    expect(lines[1]).toMatch(/^#11\s+\[TASK\] Add login form\s+Ready/);
    expect(lines[2]).toMatch(/^#42\s+-\s+Ready/);
  });
});
