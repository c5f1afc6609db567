/** When a sprint is finished: the orchestrator's `completed`, or (with a sprint plan) only the goal issue left in Backlog. */
import { sprintFinished } from '../../src/domain/completion';
import { withStateFileLock } from '../../src/activities/state-file-lock';

const summary = (items: Array<[number, string]>, completed = false) => ({
  type: 'DISPATCH_SUMMARY' as const,
  completed,
  processed_items: items.map(([issue_number, status]) => ({ issue_number, project_item_id: `PVTI_${issue_number}`, status })),
});
const plan = { sprint: 'M1', goal: { title: '[SPRINT GOAL] M1: x', issue_number: 1, project_item_id: 'PVTI_1' } };

describe('sprintFinished', () => {
  it('trusts the orchestrator when it reports completion', () => {
    expect(sprintFinished(summary([[2, 'Done']], true), null)).toBe(true);
  });
  it('without a sprint plan, Backlog items keep the sprint going (the orchestrator decides)', () => {
    expect(
      sprintFinished(
        summary([
          [1, 'Backlog'],
          [2, 'Needs Human Approval'],
        ]),
        null,
      ),
    ).toBe(false);
  });
  it('with a plan, the goal issue alone in Backlog does not keep the sprint going', () => {
    expect(
      sprintFinished(
        summary([
          [1, 'Backlog'],
          [2, 'Needs Human Approval'],
          [3, 'Done'],
          [4, 'Blocked'],
        ]),
        plan,
      ),
    ).toBe(true);
  });
  it('with a plan, a task in Backlog or any active item keeps it going', () => {
    expect(
      sprintFinished(
        summary([
          [1, 'Backlog'],
          [2, 'Backlog'],
        ]),
        plan,
      ),
    ).toBe(false);
    for (const active of ['Ready', 'In Progress', 'In Review'])
      expect(
        sprintFinished(
          summary([
            [1, 'Backlog'],
            [2, active],
          ]),
          plan,
        ),
      ).toBe(false);
  });
  it('an empty summary is not taken as finished without the orchestrator saying so', () => {
    expect(sprintFinished(summary([]), plan)).toBe(false);
  });
});

describe('withStateFileLock', () => {
  it('runs work on the same file one at a time, in order, even when one fails', async () => {
    const log: string[] = [];
    const slow =
      (name: string, ms: number, fail = false) =>
      () =>
        new Promise<string>((resolve, reject) => {
          log.push(`start ${name}`);
          setTimeout(() => (log.push(`end ${name}`), fail ? reject(new Error(name)) : resolve(name)), ms);
        });
    const results = await Promise.allSettled([
      withStateFileLock('/a', slow('orchestrator', 30, true)),
      withStateFileLock('/a', slow('update', 1)),
      withStateFileLock('/b', slow('other', 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('start update')).toBeGreaterThan(log.indexOf('end orchestrator'));
    expect(log.indexOf('end other')).toBeLessThan(log.indexOf('end orchestrator'));
  });
});
