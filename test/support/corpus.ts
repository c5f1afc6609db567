/**
 * A deterministic corpus of hostile inputs, each case with the exact rejection it must get.
 * Generated from a seeded PRNG (mulberry32), so a failing case is reproducible by its name.
 */
import { randomUUID } from 'node:crypto';

export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  readonly random: () => number;
  constructor(seed: number) {
    this.random = prng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  pick<T>(values: readonly T[]): T {
    return values[this.int(0, values.length - 1)]!;
  }
  /** A UUIDv4 drawn from the PRNG (not crypto: the corpus must be reproducible). */
  uuid4(): string {
    const hex = () => this.int(0, 15).toString(16);
    const part = (n: number) => Array.from({ length: n }, hex).join('');
    return `${part(8)}-${part(4)}-4${part(3)}-${this.pick(['8', '9', 'a', 'b'])}${part(3)}-${part(12)}`;
  }
  word(min = 1, max = 12): string {
    const chars = 'abcdefghijklmnopqrstuvwxyz_';
    return Array.from({ length: this.int(min, max) }, () => this.pick([...chars])).join('');
  }
}

export interface Case<I = unknown> {
  name: string;
  input: I;
  /** The error code (or, where the product reports only a message, the exact message). */
  expected: string;
}

// ---------------------------------------------------------------------------------------------
// Orchestrator stdout lines (src/domain/intents.ts parseIntentLine)

export const ENDPOINTS = { claim: '/internal/executor/claim-ready-item', resolve: '/internal/reviewer/resolve-linked-pr' } as const;

export function validIntent(g: Gen): Record<string, unknown> {
  const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
  const runId = g.uuid4();
  const endpoint = role === 'REVIEWER' || g.random() < 0.5 ? ENDPOINTS.resolve : ENDPOINTS.claim;
  const body: Record<string, unknown> = { role, run_id: runId };
  if (endpoint === ENDPOINTS.resolve) body.issue_number = g.int(1, 9999);
  else body.sprint = 'M1';
  return { type: 'RUN_INTENT', role, run_id: runId, endpoint, body };
}

const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf0, 0x28, 0x8c, 0xbc]),
  Buffer.from([0x80, 0x80]),
  Buffer.from([0xfe, 0xfe, 0xff]),
];

const BAD_RUN_IDS = [
  '../../etc/passwd',
  '..',
  '../',
  './x',
  '/tmp/x',
  'run-1',
  '6f1c2d3e-4b5a-1c7d-8e9f-0a1b2c3d4e5f' /* v1 */,
  '6f1c2d3e-4b5a-4c7d-cf9f-0a1b2c3d4e5f' /* bad variant */,
  '6f1c2d3e4b5a4c7d8e9f0a1b2c3d4e5f',
  '{6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f}',
  '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f/../x',
  '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\n',
  ' 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
  '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f%00',
  '$(reboot)',
  '`id`',
  'sprint-M1-item-1',
  'x'.repeat(300),
  'ＵＵＩＤ',
];

/** Orchestrator stdout lines as the bytes the intake reads (decodeIntentLine, then parseIntentLine). */
export function intentLineCases(count: number, seed = 1): Case<Buffer>[] {
  const g = new Gen(seed);
  const cases: Case<Buffer>[] = [];
  const add = (name: string, input: string | Buffer, expected: string) =>
    cases.push({ name: `intent#${cases.length} ${name}`, input: typeof input === 'string' ? Buffer.from(input, 'utf8') : input, expected });
  const kinds: Array<() => void> = [
    () => {
      const text = JSON.stringify(validIntent(g));
      let cut = text.slice(0, g.int(0, text.length - 1));
      if (cut.trim() === '' || isJson(cut)) cut = `${cut}{`;
      add('truncated JSON', cut, 'intent_invalid_json');
    },
    () => {
      const text = JSON.stringify(validIntent(g));
      const at = g.int(0, text.length);
      const junk = g.pick(['}', '{', ',', ':', '"', '\\', 'NaN', 'undefined', "'", '\u0000']);
      const line = text.slice(0, at) + junk + text.slice(at);
      if (isJson(line)) return;
      add('corrupted JSON', line, 'intent_invalid_json');
    },
    () => add('non-object JSON', JSON.stringify(g.pick([[], [validIntent(g)], 1, 'RUN_INTENT', null, true, 0.5, ''])), 'intent_invalid_type'),
    () => {
      const intent = validIntent(g);
      intent[g.pick(['priority', 'shell', 'env', 'cwd', '__proto__x', 'Type', 'ROLE', g.word()]) + (g.random() < 0.3 ? '_' : '')] = g.pick([1, 'x', null, {}]);
      add('unknown field', JSON.stringify(intent), 'intent_unknown_fields');
    },
    () => {
      const intent = validIntent(g);
      if (g.random() < 0.2) delete intent.type;
      else intent.type = g.pick(['run_intent', 'RUN_INTENTS', 'RUN-INTENT', ' RUN_INTENT', 'DISPATCH_SUMMARY', 1, null, ['RUN_INTENT']]);
      add('wrong type', JSON.stringify(intent), 'intent_type_mismatch');
    },
    () => {
      const intent = validIntent(g);
      if (g.random() < 0.2) delete intent.role;
      else intent.role = g.pick(['ADMIN', 'ORCHESTRATOR', 'HUMAN', '', ' ', 'EXECUTORS', 'REVIEW', 1, null, ['EXECUTOR'], { role: 'EXECUTOR' }]);
      add('wrong role', JSON.stringify(intent), 'intent_invalid_role');
    },
    () => {
      const intent = validIntent(g);
      if (g.random() < 0.3) delete intent.run_id;
      else intent.run_id = g.pick(['', '   ', 7, null, ['x']]);
      add('missing run_id', JSON.stringify(intent), 'intent_missing_run_id');
    },
    () => {
      const intent = validIntent(g);
      const runId = g.random() < 0.7 ? g.pick(BAD_RUN_IDS) : `${g.uuid4()}${g.pick(['x', '/..', '-0', ' ', '\t'])}`;
      intent.run_id = runId;
      (intent.body as Record<string, unknown>).run_id = runId;
      add('run_id not a UUIDv4', JSON.stringify(intent), 'intent_invalid_run_id');
    },
    () => {
      const intent = validIntent(g);
      intent.endpoint = g.pick(['', 'internal/run', 'http://evil.example/internal/run', '/admin', '/__admin/seed', ' /__admin/items', '//internal/run', 5, null, '/INTERNAL/run']);
      add('endpoint outside /internal/', JSON.stringify(intent), 'intent_invalid_endpoint');
    },
    () => {
      const intent = validIntent(g);
      const role = intent.role as string;
      const bad =
        role === 'REVIEWER'
          ? g.pick([
              ENDPOINTS.claim,
              '/internal/run',
              '/internal/plan-apply',
              '/internal/project-item/update-field',
              `${ENDPOINTS.resolve}/`,
              `${ENDPOINTS.resolve}?x=1`,
              '/internal/../__admin/seed',
            ])
          : g.pick([
              '/internal/run',
              '/internal/plan-apply',
              '/internal/project-item/update-field',
              '/internal/preflight',
              `${ENDPOINTS.claim}/../run`,
              '/internal/executor/claim-ready-item%2F..',
              '/internal/agent-context',
            ]);
      intent.endpoint = bad;
      add(`endpoint not allowed for ${role}`, JSON.stringify(intent), 'intent_endpoint_not_allowed');
    },
    () => {
      const intent = validIntent(g);
      intent.body = g.pick([null, [], 'body', 1, [intent.body]]);
      add('body not an object', JSON.stringify(intent), 'intent_invalid_body');
    },
    () => {
      const intent = validIntent(g);
      const body = intent.body as Record<string, unknown>;
      if (g.random() < 0.3) delete body.role;
      else body.role = g.pick([intent.role === 'EXECUTOR' ? 'REVIEWER' : 'EXECUTOR', (intent.role as string).toLowerCase(), 'ADMIN', null]);
      add('body.role mismatch', JSON.stringify(intent), 'intent_role_mismatch');
    },
    () => {
      const intent = validIntent(g);
      const body = intent.body as Record<string, unknown>;
      if (g.random() < 0.3) delete body.run_id;
      else body.run_id = g.pick([g.uuid4(), (intent.run_id as string).toUpperCase(), `${intent.run_id as string} `, null]);
      add('body.run_id mismatch', JSON.stringify(intent), 'intent_run_id_mismatch');
    },
    () => {
      // Bytes that are not UTF-8, wherever they sit: refused before any parsing.
      const bad = g.pick(INVALID_UTF8);
      const intent = validIntent(g);
      if (g.random() < 0.25) {
        const text = JSON.stringify(intent);
        const at = g.int(0, text.length);
        add('non-UTF-8 bytes in the JSON structure', Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]), 'intent_invalid_encoding');
        return;
      }
      // Inside a string value (even one the checks never read): still not UTF-8, still refused.
      const field = g.pick(['run_id', 'role', 'type', 'body.sprint'] as const);
      const marker = '\u0001MARK\u0001';
      if (field === 'body.sprint') (intent.body as Record<string, unknown>).sprint = marker;
      else intent[field] = marker;
      const [before, after] = JSON.stringify(intent).split(JSON.stringify(marker).slice(1, -1));
      add(`non-UTF-8 bytes in ${field}`, Buffer.concat([Buffer.from(before!), bad, Buffer.from(after!)]), 'intent_invalid_encoding');
    },
    () => {
      // Strict JSON: a UTF-8 byte order mark before the line (or alone) is not JSON.
      add('leading UTF-8 BOM', g.random() < 0.2 ? '\uFEFF' : `\uFEFF${JSON.stringify(validIntent(g))}`, 'intent_invalid_json');
    },
    () => {
      // An integer JSON.parse would round (or a number it turns into Infinity), anywhere in the line.
      const intent = validIntent(g);
      const number = g.pick(['9007199254740993', '-9007199254740993', '9007199254740992', '18446744073709551616', '1e309', '-1e400', '1'.repeat(30)]);
      const text = JSON.stringify({ ...intent, body: { ...(intent.body as object), marker: 7 } }).replace('"marker":7', `"marker":${number}`);
      add(
        'number JSON.parse cannot hold exactly',
        intent.endpoint === ENDPOINTS.resolve && g.random() < 0.5 ? text.replace(/"issue_number":\d+/, `"issue_number":${number}`) : text,
        'intent_unsafe_integer',
      );
    },
    () => {
      const depth = g.pick([65, 100, 1000, 10_000, 100_000]);
      const open = g.pick(['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      const intent = validIntent(g);
      const text = JSON.stringify({ ...intent, body: { ...(intent.body as object), deep: 7 } }).replace('"deep":7', `"deep":${open.repeat(depth)}${close.repeat(depth)}`);
      add(`nested ${depth} levels`, g.random() < 0.2 ? text.slice(0, -5) : text, 'intent_too_deep');
    },
    () => {
      // resolve-linked-pr without a usable issue_number (both roles use it).
      const intent = validIntent(g);
      const role = intent.role as string;
      const runId = intent.run_id as string;
      const body: Record<string, unknown> = { role, run_id: runId };
      const issue = g.pick([undefined, '950', -1, 0, 1.5, null, [7], { n: 7 }, true, '']);
      if (issue !== undefined) body.issue_number = issue;
      add(
        'resolve-linked-pr without a valid issue_number',
        JSON.stringify({ type: 'RUN_INTENT', role, run_id: runId, endpoint: ENDPOINTS.resolve, body }),
        'intent_invalid_issue_number',
      );
    },
  ];
  // A few lines over 1 MiB (the limit is checked before any parsing).
  const huge = (filler: string, valid: boolean) => {
    const intent = validIntent(g);
    (intent.body as Record<string, unknown>).padding = filler.repeat(Math.ceil((1024 * 1024 + 16) / filler.length));
    const text = JSON.stringify(intent);
    add(`huge line (${filler.length}-char filler, ${valid ? 'valid' : 'broken'} JSON)`, valid ? text : text.slice(0, -1), 'intent_line_too_long');
  };
  huge('a', true);
  huge('é', true);
  huge('😀', false);
  huge('x', false);
  while (cases.length < count) g.pick(kinds)();
  return cases;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Codex outputs (src/domain/worker-result.ts)

export interface WorkerOutputInput {
  /** The tool result (extractToolText), or null to feed `text` to parseWorkerResult directly. */
  toolResult: unknown;
  text: string;
  expected: { run_id: string; role: 'EXECUTOR' | 'REVIEWER' };
}

export function workerOutputCases(count: number, seed = 2): Case<WorkerOutputInput>[] {
  const g = new Gen(seed);
  const cases: Case<WorkerOutputInput>[] = [];
  const base = (role: 'EXECUTOR' | 'REVIEWER', runId: string) => ({
    run_id: runId,
    role,
    status: 'succeeded',
    outcome: role === 'REVIEWER' ? 'PASS' : null,
    summary: 'ok',
    urls: {},
    errors: [],
    marker_verified: null,
  });
  const add = (name: string, input: WorkerOutputInput, expected: string) => cases.push({ name: `worker#${cases.length} ${name}`, input, expected });
  const kinds: Array<() => void> = [
    () => {
      const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
      const runId = g.uuid4();
      const text = g.pick([
        '',
        'done!',
        'RUNNER_RESULT_JSON:',
        'RUNNER_RESULT_JSON: {',
        '```json\n{}\n```',
        '{"run_id":',
        `${JSON.stringify(base(role, runId))} trailing`,
        '\u00ff\u00fe garbage',
      ]);
      add('not JSON', { toolResult: null, text, expected: { run_id: runId, role } }, 'worker_invalid_output');
    },
    () => {
      const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
      const runId = g.uuid4();
      add('not an object', { toolResult: null, text: JSON.stringify(g.pick([[], [base(role, runId)], 1, 'x', null])), expected: { run_id: runId, role } }, 'worker_invalid_output');
    },
    () => {
      const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
      const runId = g.uuid4();
      const result: Record<string, unknown> = base(role, runId);
      const which = g.pick(['run_id', 'role', 'both'] as const);
      if (which !== 'role') result.run_id = g.pick([g.uuid4(), runId.toUpperCase(), ` ${runId}`, null, '../x']);
      if (which !== 'run_id') result.role = g.pick([role === 'EXECUTOR' ? 'REVIEWER' : 'EXECUTOR', role.toLowerCase(), null, 'ADMIN']);
      add(`wrong ${which}`, { toolResult: null, text: JSON.stringify(result), expected: { run_id: runId, role } }, 'worker_identity_mismatch');
    },
    () => {
      const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
      const runId = g.uuid4();
      const result: Record<string, unknown> = base(role, runId);
      const field = g.pick(['status', 'outcome', 'summary', 'marker_verified', 'reviewer_outcome'] as const);
      if (field === 'status') result.status = g.pick(['ok', 'SUCCEEDED', 'success', null, 1]);
      else if (field === 'outcome') result.outcome = g.pick([1, true, {}, ['PASS']]);
      else if (field === 'summary') g.random() < 0.5 ? delete result.summary : (result.summary = g.pick([null, 1, ['x']]));
      else if (field === 'marker_verified') result.marker_verified = g.pick(['true', 1, 0, 'yes', {}]);
      else {
        result.role = 'REVIEWER';
        result.outcome = g.pick([null, 'APPROVE', 'OK', '', 'PASSED']);
        add('reviewer without a known outcome', { toolResult: null, text: JSON.stringify(result), expected: { run_id: runId, role: 'REVIEWER' } }, 'worker_invalid_output');
        return;
      }
      add(`invalid ${field}`, { toolResult: null, text: JSON.stringify(result), expected: { run_id: runId, role } }, 'worker_invalid_output');
    },
    () => {
      const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
      const runId = g.uuid4();
      const toolResult = g.pick([
        { isError: true, content: [{ type: 'text', text: 'stream disconnected' }] },
        { isError: true },
        { error: 'codex crashed' },
        { isError: true, content: [{ type: 'text', text: JSON.stringify(base(role, runId)) }] },
      ]);
      add('tool error', { toolResult, text: '', expected: { run_id: runId, role } }, 'codex_tool_error');
    },
    () => {
      const role = g.pick(['EXECUTOR', 'REVIEWER'] as const);
      const toolResult = g.pick([{}, { content: [] }, { content: [{ type: 'image', data: 'x' }] }, { content: '   ' }, { structuredContent: { content: '' } }, null, 'text', []]);
      add('no text content', { toolResult, text: '', expected: { run_id: g.uuid4(), role } }, 'worker_invalid_output');
    },
  ];
  while (cases.length < count) g.pick(kinds)();
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Kickoff plans (src/domain/kickoff-plan.ts validateKickoffPlan(plan, 'M1', 2))

export function validKickoffPlan(): Record<string, unknown> {
  const task = (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    body_markdown: `## Goal\nDo ${title}`,
    priority: 'P0',
    size: 'S',
    area: 'api',
    depends_on_titles: [],
    initial_status: 'Backlog',
    ...extra,
  });
  return {
    sprint: 'M1',
    goal_issue: {
      title: '[SPRINT GOAL] M1: Ship login',
      body_markdown: 'Login for everyone',
      labels: ['meta:sprint-goal'],
      fields: { Sprint: 'M1', Status: 'Backlog', Priority: 'P0', Size: 'S', Area: 'docs' },
    },
    tasks: [task('[TASK] One'), task('[TASK] Two', { depends_on_titles: ['[TASK] One'] }), task('[TASK] Three', { priority: 'P1' })],
    ready_set_titles: ['[TASK] One'],
    prioritization_rationale: 'One unblocks Two.',
  };
}

export function kickoffCases(count: number, seed = 3): Case<unknown>[] {
  const g = new Gen(seed);
  const cases: Case<unknown>[] = [];
  const add = (name: string, input: unknown, expected: string) => cases.push({ name: `kickoff#${cases.length} ${name}`, input, expected });
  const mutate = (name: string, expected: string, fn: (plan: any) => void) => () => {
    const plan = validKickoffPlan() as any;
    fn(plan);
    add(name, plan, expected);
  };
  const ti = () => g.int(0, 2);
  const kinds: Array<() => void> = [
    () => add('not an object', g.pick([null, [], 'plan', 1, [validKickoffPlan()]]), 'kickoff_invalid'),
    mutate('sprint missing', 'kickoff_invalid_field', (p) => (p.sprint = g.pick([undefined, '', ' ', 1, null]))),
    mutate('sprint mismatch', 'kickoff_sprint_mismatch', (p) => (p.sprint = g.pick(['M2', 'M3', 'm1', 'M1x', '../M1']))),
    mutate('goal_issue not an object', 'kickoff_invalid_field', (p) => (p.goal_issue = g.pick([null, [], 'goal', 1]))),
    mutate(
      'goal title',
      'kickoff_invalid_goal_title',
      (p) => (p.goal_issue.title = g.pick(['Ship login', '[SPRINT GOAL] M5: x', '[sprint goal] M1: x', '[SPRINT GOAL] M1:', '[TASK] M1: x'])),
    ),
    mutate('goal label', 'kickoff_missing_goal_label', (p) => (p.goal_issue.labels = g.pick([['sprint-goal'], ['meta:sprint'], ['META:SPRINT-GOAL']]))),
    mutate('goal labels not strings', 'kickoff_invalid_field', (p) => (p.goal_issue.labels = g.pick([[], 'meta:sprint-goal', [1], [''], null]))),
    mutate(
      'goal fields',
      'kickoff_invalid_goal_fields',
      (p) => (p.goal_issue.fields[g.pick(['Sprint', 'Status', 'Priority', 'Size', 'Area'])] = g.pick(['X', 'M2', 'Ready', 'P1', null])),
    ),
    mutate('tasks not an array', 'kickoff_invalid_field', (p) => (p.tasks = g.pick([null, {}, 'tasks', 3]))),
    mutate(
      'task count',
      'kickoff_invalid_task_count',
      (p) => (p.tasks = g.random() < 0.5 ? p.tasks.slice(0, g.int(0, 2)) : Array.from({ length: g.int(26, 40) }, (_, i) => ({ ...p.tasks[2], title: `[TASK] T${i}` }))),
    ),
    mutate('task not an object', 'kickoff_invalid_task', (p) => (p.tasks[ti()] = g.pick([null, 'task', 1, []]))),
    mutate('task title', 'kickoff_invalid_task_title', (p) => (p.tasks[ti()].title = g.pick(['One', '[task] One', '[TASK]', 'TASK: One']))),
    mutate('task priority', 'kickoff_invalid_priority', (p) => (p.tasks[ti()].priority = g.pick(['P3', 'p0', 'high', 'P 0']))),
    mutate('task size', 'kickoff_invalid_size', (p) => (p.tasks[ti()].size = g.pick(['XL', 's', 'Small', 'XS']))),
    mutate('task area', 'kickoff_invalid_area', (p) => (p.tasks[ti()].area = g.pick(['backend', 'frontend', '../api', 'ops']))),
    mutate('task initial status', 'kickoff_invalid_initial_status', (p) => (p.tasks[ti()].initial_status = g.pick(['Ready', 'Done', 'backlog', 'In Progress']))),
    mutate(
      'task string fields',
      'kickoff_invalid_field',
      (p) => (p.tasks[ti()][g.pick(['title', 'body_markdown', 'priority', 'size', 'area', 'initial_status'])] = g.pick([undefined, '', '  ', 1, null])),
    ),
    mutate('title collision', 'kickoff_title_collision', (p) => (p.tasks[2].title = p.tasks[g.int(0, 1)].title)),
    mutate('unknown dependency', 'kickoff_unknown_dependency', (p) => (p.tasks[2].depends_on_titles = [g.pick(['[TASK] Four', '[TASK] one', 'One'])])),
    mutate('self dependency', 'kickoff_invalid_dependency', (p) => (p.tasks[0].depends_on_titles = ['[TASK] One'])),
    mutate('ready set too large', 'kickoff_ready_set_too_large', (p) => (p.ready_set_titles = ['[TASK] One', '[TASK] Two', '[TASK] Three'])),
    mutate('ready set duplicate', 'kickoff_ready_set_duplicate', (p) => (p.ready_set_titles = ['[TASK] One', '[TASK] One'])),
    mutate('ready set unknown title', 'kickoff_ready_set_unknown_title', (p) => (p.ready_set_titles = [g.pick(['[TASK] Nine', 'One', '[TASK] one'])])),
    mutate('ready set with dependencies', 'kickoff_ready_set_has_dependencies', (p) => (p.ready_set_titles = ['[TASK] Two'])),
    mutate('ready set not P0', 'kickoff_ready_set_not_p0', (p) => (p.ready_set_titles = ['[TASK] Three'])),
    mutate('rationale', 'kickoff_invalid_field', (p) => (p.prioritization_rationale = g.pick([undefined, '', ' ', 1, null]))),
    mutate('auto-close keyword', 'kickoff_forbidden_autoclose', (p) => {
      const text = `${g.pick(['Closes', 'fixes', 'RESOLVED', 'closed'])} #${g.int(1, 99)}`;
      const where = g.int(0, 2);
      if (where === 0) p.goal_issue.body_markdown += `\n${text}`;
      else if (where === 1) p.tasks[ti()].body_markdown += `\n${text}`;
      else p.prioritization_rationale += ` ${text}`;
    }),
  ];
  while (cases.length < count) g.pick(kinds)();
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Update payloads (reworkPayloadProblem) and the sprint workflow input (sprintInputProblem)

export function reworkPayloadCases(count: number, seed = 4): Case<unknown>[] {
  const g = new Gen(seed);
  const cases: Case<unknown>[] = [];
  const add = (name: string, input: unknown, expected: string) => cases.push({ name: `rework#${cases.length} ${name}`, input, expected });
  const kinds: Array<() => void> = [
    () => add('not an object', g.pick([null, [], 'fix it', 1, true, [{ reason: 'x' }]]), 'payload: rework payload must be an object {reason, steps?}'),
    () => {
      const extra = g.pick(['Reason', 'step', 'status', 'run_id', '__proto__', g.word()]);
      add('unknown field', JSON.parse(`{"reason":"x",${JSON.stringify(extra)}:1}`), `payload: unknown field(s) ${extra}`);
    },
    () => add('reason not a string', g.pick([{}, { reason: 1 }, { reason: null }, { reason: ['x'] }]), 'reason: rework reason must be a string'),
    () => add('blank reason', g.pick([{ reason: '' }, { reason: '   ' }, { reason: '\n\t' }]), 'reason: rework reason must not be blank'),
    () => add('reason too long', { reason: 'r'.repeat(g.int(2001, 5000)) }, 'reason: rework reason must be at most 2000 characters'),
    () =>
      add(
        'unprintable reason',
        { reason: `fix ${g.pick(['\u0000', '\u0007', '\u001b[31m', '\u202e', '\u2066', '\u0085'])} it` },
        'reason: rework reason must be printable text (no control characters or bidirectional overrides)',
      ),
    () => add('steps empty', { reason: 'x', steps: [] }, 'steps: rework steps must not be empty when given'),
    () => add('steps not an array', { reason: 'x', steps: g.pick(['step', 1, null, {}]) }, 'steps: rework steps must be an array of strings'),
    () => add('too many steps', { reason: 'x', steps: Array.from({ length: g.int(21, 10_000) }, () => 'step') }, 'steps: at most 20 rework steps'),
    () => add('blank step', { reason: 'x', steps: ['ok', g.pick(['', ' '])] }, 'steps.1: rework step must not be blank'),
    () => add('step not a string', { reason: 'x', steps: ['ok', g.pick([1, null, {}])] }, 'steps.1: rework step must be a string'),
    () => add('step too long', { reason: 'x', steps: ['s'.repeat(g.int(501, 1_048_576))] }, 'steps.0: rework step must be at most 500 characters'),
  ];
  while (cases.length < count) g.pick(kinds)();
  return cases;
}

export function sprintInputCases(count: number, seed = 5): Case<unknown>[] {
  const g = new Gen(seed);
  const cases: Case<unknown>[] = [];
  const add = (name: string, input: unknown, expected: string) => cases.push({ name: `sprintInput#${cases.length} ${name}`, input, expected });
  const kinds: Array<() => void> = [
    () => add('not an object', g.pick([null, [], 'M1', 1]), 'sprint input must be an object {sprint, mode, goal?, readyLimit?, dryRun?}'),
    () => {
      const extra = g.pick(['Sprint', 'env', 'command', g.word()]);
      add('unknown field', { sprint: 'M1', mode: 'loop', [extra]: 'x' }, `sprint input has unknown fields: ${extra}`);
    },
    () =>
      add(
        'bad sprint',
        { sprint: g.pick(['', '../M1', 'M1/..', '-M1', 'M 1', 'x'.repeat(65), 'M1;rm', 1, null, '$(id)']), mode: 'loop' },
        'sprint input: sprint must be a short name like "M1" (letters, digits, . _ -)',
      ),
    () => add('bad mode', { sprint: 'M1', mode: g.pick(['LOOP', 'forever', '', null, 1]) }, 'sprint input: mode must be "loop", "once" or "kickoff-only"'),
    () => add('blank goal', { sprint: 'M1', mode: 'loop', goal: g.pick(['', '  ', 1, null]) }, 'sprint input: goal must be a non-empty string when given'),
    () => add('readyLimit not an integer', { sprint: 'M1', mode: 'loop', readyLimit: g.pick([1.5, '2', null, 'x', NaN, [1]]) }, 'sprint input: readyLimit must be an integer'),
    () => add('bad dryRun', { sprint: 'M1', mode: 'loop', dryRun: g.pick(['true', 1, null, 'yes']) }, 'sprint input: dryRun must be a boolean'),
    () => add('kickoff-only without goal', { sprint: 'M1', mode: 'kickoff-only' }, 'sprint input: mode "kickoff-only" needs a goal'),
  ];
  while (cases.length < count) g.pick(kinds)();
  return cases;
}

// ---------------------------------------------------------------------------------------------
// `sprint-runner run` flags (sprintInputFromFlags) and environment values (loadConfig)

export interface RunFlags {
  dryRun?: boolean;
  once?: boolean;
  loop?: boolean;
  kickoff?: boolean;
  sprint?: string;
  goal?: string;
  goalFile?: string;
  readyLimit: string;
  worker: boolean;
}

export function runFlagCases(count: number, seed = 6): Case<{ flags: RunFlags; envSprint: string | null }>[] {
  const g = new Gen(seed);
  const cases: Case<{ flags: RunFlags; envSprint: string | null }>[] = [];
  const add = (name: string, flags: Partial<RunFlags>, envSprint: string | null, expected: string) =>
    cases.push({ name: `run#${cases.length} ${name}`, input: { flags: { readyLimit: '3', worker: true, ...flags }, envSprint }, expected });
  const missing = `/nonexistent/${randomUUID()}/goal.md`;
  const kinds: Array<() => void> = [
    () => add('--goal without --kickoff', g.random() < 0.5 ? { goal: 'x', sprint: 'M1' } : { goalFile: '/tmp/x', sprint: 'M1' }, null, '--goal/--goal-file requires --kickoff'),
    () => add('--kickoff without a goal', { kickoff: true, sprint: 'M1' }, null, '--kickoff requires --goal or --goal-file'),
    () => add('no sprint', g.pick([{}, { sprint: '' }, { sprint: '   ' }]), null, 'sprint is required'),
    () =>
      add(
        '--ready-limit not an integer',
        { sprint: 'M1', readyLimit: g.pick(['x', '1.5', '', '3;rm', '0x2', '1e1', ' ', '--1', '$(echo 2)']) },
        null,
        '--ready-limit must be an integer',
      ),
    () => add('--goal-file unreadable', { sprint: 'M1', kickoff: true, goalFile: missing }, null, `--goal-file ${missing} cannot be read: ENOENT`),
    () => add('--goal blank', { sprint: 'M1', kickoff: true, goal: g.pick(['', '  ', '\n\t']) }, 'M1', '--goal must be non-empty'),
    () => {
      // The sprint workflow input's name rule, before any workflow starts (also for ORCHESTRATOR_SPRINT).
      const name = g.pick(['x'.repeat(g.int(65, 300)), '../M1', '-M1', 'M 1', 'M1;rm', '$(id)', 'M1/..', '.M1']);
      const fromEnv = g.random() < 0.3;
      const shown = name.length > 40 ? `${name.slice(0, 37)}...` : name;
      add(
        'invalid sprint name',
        fromEnv ? {} : { sprint: name },
        fromEnv ? name : null,
        `sprint must be a short name like "M1" (letters, digits, . _ -): got ${JSON.stringify(shown)} (${name.length} characters)`,
      );
    },
  ];
  while (cases.length < count) g.pick(kinds)();
  return cases;
}

const POSINT = [
  'RUNNER_MAX_EXECUTORS',
  'RUNNER_MAX_REVIEWERS',
  'RUNNER_READY_BUFFER',
  'REVIEW_STALL_POLLS',
  'RUNNER_WATCHDOG_TIMEOUT_S',
  'ORCHESTRATOR_POLL_INTERVAL_MS',
  'BLOCKED_RETRY_MAX_ATTEMPTS',
  'RUNNER_TRANSIENT_MAX_ATTEMPTS',
  'RUNNER_HISTORY_EVENTS_BEFORE_CONTINUE',
];
const POSFLOAT = ['BACKEND_TIMEOUT_S', 'CODEX_TOOLS_CALL_TIMEOUT_S', 'REVIEW_STALL_MINUTES', 'BLOCKED_RETRY_MINUTES'];

export function envCases(count: number, seed = 7): Case<Record<string, string>>[] {
  const g = new Gen(seed);
  const cases: Case<Record<string, string>>[] = [];
  const add = (name: string, env: Record<string, string>, expected: string) => cases.push({ name: `env#${cases.length} ${name}`, input: env, expected });
  const kinds: Array<() => void> = [
    () => {
      const key = g.pick(POSINT);
      const value = g.pick(['x', '1.5', '1e3', '0x10', '1__0', '_1', '1_', '++1', '9'.repeat(20), 'inf', '١', '1 2', '$(echo 1)']);
      add(`${key} not an integer`, { [key]: value }, `${key} must be an integer`);
    },
    () => {
      const key = g.pick(POSINT);
      add(`${key} not positive`, { [key]: g.pick(['0', '-1', '-0', '+0', '-1_000']) }, `${key} must be a positive integer`);
    },
    () => {
      const key = g.pick(POSFLOAT);
      add(`${key} not a number`, { [key]: g.pick(['inf', 'nan', 'Infinity', '-inf', 'x', '1e', '1,5', '0x1', '1e999', '--1']) }, `${key} must be a number`);
    },
    () => {
      const key = g.pick(POSFLOAT);
      add(`${key} not positive`, { [key]: g.pick(['0', '-1', '-0.5', '0.0', '-1e3']) }, `${key} must be a positive number`);
    },
    () =>
      add(
        'ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS negative',
        { ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: g.pick(['-1', '-2']) },
        'ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS must be a non-negative integer',
      ),
    () =>
      add(
        'ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS not an integer',
        { ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS: g.pick(['x', '1.0', 'two']) },
        'ORCHESTRATOR_SANITIZATION_REGEN_ATTEMPTS must be an integer',
      ),
    () =>
      add(
        'BACKEND_BASE_URL not http(s)',
        { BACKEND_BASE_URL: g.pick(['localhost:4000', 'ftp://x', 'file:///etc/passwd', 'javascript:alert(1)', 'http//x', '://x', 'gopher://x:70']) },
        'BACKEND_BASE_URL must be an http(s) URL',
      ),
    () => {
      const op = g.pick([';', '&&', '||', '|', '>', '<', '&', '$(', '`']);
      const expected = op === '$(' || op === '`' ? null : op;
      if (expected === null) return;
      add(
        `RUNNER_ORCHESTRATOR_CMD with "${op}"`,
        { RUNNER_ORCHESTRATOR_CMD: `node cli.js --loop ${op} rm -rf /tmp/x` },
        `RUNNER_ORCHESTRATOR_CMD must be valid shell words (shell operator "${op}" is not allowed (commands run without a shell; quote it to pass it as an argument))`,
      );
    },
    () =>
      add(
        'RUNNER_ORCHESTRATOR_CMD unbalanced quote',
        { RUNNER_ORCHESTRATOR_CMD: g.pick(['node "cli.js', "node 'cli.js"]) },
        `RUNNER_ORCHESTRATOR_CMD must be valid shell words (no closing ${'x'} quote)`,
      ),
    () =>
      add(
        'CODEX_MCP_ARGS unbalanced quote',
        { CODEX_MCP_ARGS: 'mcp-server "x' },
        'CODEX_MCP_ARGS must be valid shell words (No closing quotation (the double quote is never closed))',
      ),
    () => add('trailing backslash', { [g.pick(['RUNNER_ORCHESTRATOR_CMD', 'CODEX_MCP_ARGS'])]: g.pick(['node cli.js \\', 'mcp-server x\\', '\\']) }, ''),
    () =>
      add(
        'RUNNER_ORCHESTRATOR_CMD empty program name',
        { RUNNER_ORCHESTRATOR_CMD: g.pick(["'' cli.js", '"" --loop', "''"]) },
        'RUNNER_ORCHESTRATOR_CMD must start with a program name (its first word is empty)',
      ),
    () => add('RUNNER_MAX_PAYLOAD_BYTES', { RUNNER_MAX_PAYLOAD_BYTES: g.pick(['2MiB', '1e6', '0x100000', '-1', '0']) }, ''),
    () => add('RUNNER_LOG_FORMAT', { RUNNER_LOG_FORMAT: g.pick(['xml', 'text', 'JSONL', 'pretty!']) }, 'RUNNER_LOG_FORMAT must be one of json, pretty'),
  ];
  while (cases.length < count) g.pick(kinds)();
  // Fix up the quote kind of the unbalanced-quote cases.
  for (const c of cases) {
    if (c.input.RUNNER_ORCHESTRATOR_CMD?.includes('"cli'))
      c.expected = 'RUNNER_ORCHESTRATOR_CMD must be valid shell words (No closing quotation (the double quote is never closed))';
    else if (c.input.RUNNER_ORCHESTRATOR_CMD?.includes("'cli"))
      c.expected = 'RUNNER_ORCHESTRATOR_CMD must be valid shell words (No closing quotation (the single quote is never closed))';
    const [key, value] = Object.entries(c.input)[0]!;
    if (c.name.endsWith('trailing backslash')) c.expected = `${key} must be valid shell words (No escaped character (the text ends with a backslash))`;
    if (key === 'RUNNER_MAX_PAYLOAD_BYTES') c.expected = ['-1', '0'].includes(value) ? `${key} must be a positive integer` : `${key} must be an integer`;
  }
  return cases;
}
