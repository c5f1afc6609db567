/**
 * What the runner tells Codex (../../docs/spec/runner-behaviour.md §3.2, §3.3, §3.8, §4.2): the old runner's
 * test_codex_worker_prompt cases 1–2, byte-exact prompts, bundle validation and tool arguments.
 * The sha256 values below were checked against the templates of ../../docs/spec/runner-behaviour.md, byte for byte.
 */
import { createHash } from 'node:crypto';
import { CodexWorkerError } from '../../src/domain/errors';
import {
  buildBaseInstructions,
  buildCodexToolArguments,
  buildKickoffCodexArguments,
  buildKickoffPrompt,
  buildWorkerPrompt,
  KICKOFF_DEVELOPER_INSTRUCTIONS,
  KICKOFF_REASK_PROMPT,
  sandboxForRole,
  WORKER_DEVELOPER_INSTRUCTIONS,
  WORKER_REASK_PROMPT,
} from '../../src/domain/prompts';

const RUN = '11111111-1111-4111-8111-111111111111';
const claimIntent = { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: RUN, endpoint: '/internal/executor/claim-ready-item', body: { role: 'EXECUTOR', run_id: RUN, sprint: 'M1' } };
const reviewIntent = {
  type: 'RUN_INTENT',
  role: 'REVIEWER',
  run_id: RUN,
  endpoint: '/internal/reviewer/resolve-linked-pr',
  body: { role: 'REVIEWER', issue_number: 7, run_id: RUN },
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof CodexWorkerError ? err.code : `not a CodexWorkerError: ${String(err)}`;
  }
  return 'no error';
};

describe("test_codex_worker_prompt (the old runner's cases 1–2)", () => {
  it('1: the EXECUTOR prompt carries the marker, fix-up, history and workspace rules and the result shape', () => {
    const prompt = buildWorkerPrompt('http://localhost:4000', claimIntent);
    for (const needle of ['MUST set marker_verified=true', 'In Review fixup run', 'descend from head_sha', 'Never use /tmp', '"marker_verified": true|false|null']) {
      expect(prompt).toContain(needle);
    }
  });
  it('2: sandbox per role; ORCHESTRATOR has none', () => {
    expect(sandboxForRole('EXECUTOR')).toBe('workspace-write');
    expect(sandboxForRole(' reviewer ')).toBe('read-only');
    expect(codeOf(() => sandboxForRole('ORCHESTRATOR'))).toBe('worker_invalid_intent');
  });
});

describe('worker prompt, byte-exact', () => {
  it('EXECUTOR', () => {
    const prompt = buildWorkerPrompt('http://localhost:4000', claimIntent);
    expect(sha256(prompt)).toBe('c24a77c53ad4e9e55563caa87986584323ca39569edd11a8ba1674e8b95cfc1f');
    expect(prompt).toContain(`RUN_INTENT (verbatim):\n${JSON.stringify(claimIntent, null, 2)}\n\nExecution requirement:`);
    expect(prompt).toMatch(/stop the run\.\n\nRUN_INTENT/);
    expect(prompt.endsWith('  "marker_verified": true|false|null\n}\n')).toBe(true);
  });
  it('REVIEWER', () => {
    const prompt = buildWorkerPrompt('http://localhost:4000', reviewIntent);
    expect(sha256(prompt)).toBe('91d0c7a32837c04e254bc1cbe5e5cc4a16649970ee020a1fc417a80af4b38720');
    expect(prompt).toContain('Reviewer-specific constraints:');
    expect(prompt).not.toContain('Executor-specific constraints:');
  });
  it('the intent is shown as printed: key order kept, non-ASCII not escaped, role upper-cased and run_id trimmed in the shape', () => {
    const raw = { run_id: ` ${RUN} `, role: 'executor', note: 'café' };
    const prompt = buildWorkerPrompt('http://b', raw);
    expect(prompt).toContain('{\n  "run_id": " 11111111-1111-4111-8111-111111111111 ",\n  "role": "executor",\n  "note": "café"\n}');
    expect(prompt).toContain(`  "run_id": "${RUN}",\n  "role": "EXECUTOR",`);
  });
  it('refuses what cannot be a worker run', () => {
    expect(codeOf(() => buildWorkerPrompt('http://b', { ...claimIntent, role: 'ORCHESTRATOR' }))).toBe('worker_invalid_intent');
    expect(codeOf(() => buildWorkerPrompt('http://b', { ...claimIntent, run_id: ' ' }))).toBe('worker_invalid_intent');
    expect(codeOf(() => buildWorkerPrompt(' ', claimIntent))).toBe('worker_invalid_intent');
  });
});

// ../../docs/spec/runner-behaviour.md §3.3.2
describe('bundle → base-instructions', () => {
  it('verbatim contents between markers, paths and role trimmed, no trailing newline', () => {
    const text = buildBaseInstructions({
      role: ' REVIEWER ',
      files: [
        { path: ' AGENTS.md ', content: 'rules\n' },
        { path: 'policy/x.json', content: '{}' },
      ],
    });
    expect(text).toBe(
      'ROLE: REVIEWER\nBUNDLE_FILES_BEGIN\nFILE_BEGIN AGENTS.md\nrules\n\nFILE_END AGENTS.md\nFILE_BEGIN policy/x.json\n{}\nFILE_END policy/x.json\nBUNDLE_FILES_END',
    );
  });
  it.each([
    ['agent context bundle missing role', null],
    ['agent context bundle missing role', { role: ' ', files: [] }],
    ['agent context bundle missing files array', { role: 'R', files: {} }],
    ['bundle file missing path', { role: 'R', files: [{ content: 'x' }] }],
    ['bundle file missing content', { role: 'R', files: [{ path: 'a.md' }] }],
  ])('bundle_invalid: %s', (message, bundle) => {
    expect(() => buildBaseInstructions(bundle)).toThrow(expect.objectContaining({ code: 'bundle_invalid', message }));
  });
});

// ../../docs/spec/runner-behaviour.md §3.2, §3.8
describe('codex tool arguments', () => {
  it('worker: exactly the six keys, in order, with the role sandbox', () => {
    const args = buildCodexToolArguments('EXECUTOR', 'p', 'b');
    expect(args).toEqual({
      prompt: 'p',
      'base-instructions': 'b',
      'developer-instructions': WORKER_DEVELOPER_INSTRUCTIONS,
      cwd: '.',
      sandbox: 'workspace-write',
      'approval-policy': 'never',
    });
    expect(Object.keys(args)).toEqual(['prompt', 'base-instructions', 'developer-instructions', 'cwd', 'sandbox', 'approval-policy']);
    expect(WORKER_DEVELOPER_INSTRUCTIONS).toBe(
      'Treat base-instructions as executable contract. Do not rewrite or summarize it. Do not attempt to start the backend server. Do not read or write outside the repository workspace. Never merge PRs or close issues. Fail closed on ambiguity.',
    );
  });
  it('kickoff: read-only with the kickoff developer instructions; a blank prompt is codex_invalid_prompt', () => {
    expect(buildKickoffCodexArguments('p', 'b')).toMatchObject({ sandbox: 'read-only', 'developer-instructions': KICKOFF_DEVELOPER_INSTRUCTIONS, 'approval-policy': 'never' });
    expect(codeOf(() => buildKickoffCodexArguments('  ', 'b'))).toBe('codex_invalid_prompt');
  });
});

// ../../docs/spec/runner-behaviour.md §4.2
describe('kickoff prompt and re-asks', () => {
  it('is byte-exact', () => {
    const prompt = buildKickoffPrompt('M1', 3, 'Ship the login page.');
    expect(sha256(prompt)).toBe('d6ec2adfa86bfbbe49594fc723bc1ce851f13c404d2e6da41997ce5c65e61e05');
    expect(prompt).toContain('Ready limit: 3 (ready_set_titles length must be <= 3 and <= 3)\n\nGoal text (verbatim):\nShip the login page.\n');
    expect(prompt).toContain('  "prioritization_rationale": "..."\n}\n\n\nFor every body_markdown');
  });
  it('the worker re-ask names every required key (the old runner omitted outcome and marker_verified)', () => {
    for (const key of ['run_id', 'role', 'status', 'outcome', 'summary', 'urls', 'errors', 'marker_verified']) expect(WORKER_REASK_PROMPT).toContain(key);
    expect(KICKOFF_REASK_PROMPT).toBe('Re-output the final result as JSON only. No prose. No markdown.');
  });
});
