/** The agent emulator's kickoff answer must be a plan the runner accepts (it stands in for the model). */
import { kickoffPlanFor, parseKickoffPrompt } from '../../emulators/agent/kickoff';
import { buildKickoffPrompt } from '../../src/domain/prompts';
import { validateKickoffPlan } from '../../src/domain/kickoff-plan';
import { toPlanApplyDraft } from '../../src/domain/kickoff-apply';

describe('agent emulator kickoff plan', () => {
  // ../../docs/spec/runner-behaviour.md §4.2
  it('reads sprint, ready limit and goal from the exact kickoff prompt', () => {
    const prompt = buildKickoffPrompt('M2', 2, 'Ship login\n- Add schema\n- Add form (after: Add schema)');
    expect(parseKickoffPrompt(prompt)).toEqual({ sprint: 'M2', readyLimit: 2, goal: 'Ship login\n- Add schema\n- Add form (after: Add schema)' });
    expect(parseKickoffPrompt('Backend base URL: x')).toBeNull();
  });

  it('turns goal bullets into tasks with dependencies and a P0 ready set the validator accepts', () => {
    const goal = 'Ship login\n- Add user schema\n- Add login form (after: Add user schema)\n- Add session API\n- Add audit log';
    const request = parseKickoffPrompt(buildKickoffPrompt('M1', 2, goal))!;
    const plan = validateKickoffPlan(kickoffPlanFor(request), 'M1', 2);
    expect(plan.tasks.map((task) => task.title)).toEqual(['[TASK] Add user schema', '[TASK] Add login form', '[TASK] Add session API', '[TASK] Add audit log']);
    expect(plan.tasks[1]!.depends_on_titles).toEqual(['[TASK] Add user schema']);
    expect(plan.ready_set_titles).toEqual(['[TASK] Add user schema', '[TASK] Add session API']);
    expect(toPlanApplyDraft(plan).issues).toHaveLength(5);
  });

  it('pads a one-line goal to the minimum of three tasks', () => {
    const plan = validateKickoffPlan(kickoffPlanFor({ sprint: 'M3', readyLimit: 1, goal: 'Dark mode' }), 'M3', 1);
    expect(plan.tasks).toHaveLength(3);
    expect(plan.ready_set_titles).toHaveLength(1);
  });
});
