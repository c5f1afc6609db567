/**
 * The agent emulator's answer to the kickoff prompt (../../docs/spec/runner-behaviour.md §4.2): a plan that passes
 * the runner's 23 validation rules, derived from the goal text the way a model would.
 *
 * Every goal line starting with `- ` becomes a task; a trailing `(after: <title>)` makes it depend on
 * the task with that title and work in the same component. Other tasks take the repository's
 * components in turn (so the first four own disjoint paths). Fewer than three lines are padded with
 * generic tasks. The first tasks without dependencies (up to the ready limit) are P0 and form the
 * ready set; the others are P1.
 */

export interface KickoffPrompt {
  sprint: string;
  readyLimit: number;
  goal: string;
}

const MIN_TASKS = 3;
const MAX_TASKS = 25;
/** Components of the backend emulator's default repository, with a fitting task area. */
const COMPONENTS = [
  ['apps/api', 'api'],
  ['apps/runner', 'runner'],
  ['apps/web', 'infra'],
  ['packages/shared', 'infra'],
] as const;

/** null when the prompt is not the ../../docs/spec/runner-behaviour.md §4.2 kickoff prompt. */
export function parseKickoffPrompt(prompt: string): KickoffPrompt | null {
  if (!prompt.startsWith('You are ORCHESTRATOR (kickoff-only).')) return null;
  const sprint = /^Sprint: (\S+)$/m.exec(prompt)?.[1];
  const readyLimit = Number(/^Ready limit: (\d+)/m.exec(prompt)?.[1]);
  const start = prompt.indexOf('Goal text (verbatim):\n');
  const end = prompt.indexOf('\n\nHard constraints:');
  if (!sprint || !Number.isInteger(readyLimit) || start === -1 || end === -1) return null;
  return { sprint, readyLimit, goal: prompt.slice(start + 'Goal text (verbatim):\n'.length, end).trim() };
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'task';

function body(goal: string, file: string): string {
  return [
    '## Goal',
    goal,
    '',
    '## Non-goals',
    '- Unrelated refactoring',
    '',
    '## Acceptance Criteria',
    `- ${goal} works as described`,
    '- Tests cover the new behaviour',
    '',
    '## Files Likely Touched',
    `- ${file}`,
    '',
    '## Definition of Done',
    '- Tests pass',
    '- Reviewed and approved',
  ].join('\n');
}

export function kickoffPlanFor(request: KickoffPrompt): Record<string, unknown> {
  const lines = request.goal
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).trim());
  const firstLine = request.goal.split('\n')[0]!.trim();
  while (lines.length < MIN_TASKS) lines.push(`${['Implement', 'Test', 'Document'][lines.length]} ${firstLine}`.slice(0, 80));
  const specs = lines.slice(0, MAX_TASKS).map((line) => {
    const after = /\s*\(after:\s*(.+?)\)\s*$/.exec(line);
    const name = after ? line.slice(0, after.index).trim() : line;
    return { title: `[TASK] ${name}`, name, dependsOn: after ? [`[TASK] ${after[1]!.trim()}`] : [] };
  });
  const limit = Math.min(request.readyLimit, 3);
  const readySet = specs
    .filter((spec) => spec.dependsOn.length === 0)
    .slice(0, limit)
    .map((spec) => spec.title);
  const componentOf = new Map<string, (typeof COMPONENTS)[number]>();
  let next = 0;
  const tasks = specs.map((spec) => {
    const component = componentOf.get(spec.dependsOn[0] ?? '') ?? COMPONENTS[next++ % COMPONENTS.length]!;
    componentOf.set(spec.title, component);
    return {
      title: spec.title,
      body_markdown: body(spec.name, `${component[0]}/src/${slug(spec.name)}.ts`),
      priority: readySet.includes(spec.title) ? 'P0' : 'P1',
      size: 'S',
      area: component[1],
      depends_on_titles: spec.dependsOn,
      initial_status: 'Backlog',
    };
  });
  return {
    sprint: request.sprint,
    goal_issue: {
      title: `[SPRINT GOAL] ${request.sprint}: ${firstLine}`.slice(0, 120),
      body_markdown: body(firstLine, 'docs/sprint-goal.md'),
      labels: ['meta:sprint-goal'],
      fields: { Sprint: request.sprint, Status: 'Backlog', Priority: 'P0', Size: 'S', Area: 'docs' },
    },
    tasks,
    ready_set_titles: readySet,
    prioritization_rationale: 'Dependency-free implementation tasks first; dependent tasks follow their prerequisites.',
  };
}
