/**
 * Hostile input, generated: ≥ 1,000 malformed orchestrator lines, Codex outputs, kickoff plans,
 * signal/update payloads, workflow inputs, `run` flags and environment values — every one rejected
 * with its precise error code (or, where the product reports only a message, its exact message).
 * The corpus is seeded (test/support/corpus.ts); sizes grow with SPRINT_RUNNER_LONG_TESTS=1.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { ConfigError, RunnerError } from '../../src/domain/errors';
import { decodeIntentLine, parseIntentLine } from '../../src/domain/intents';
import { validateKickoffPlan } from '../../src/domain/kickoff-plan';
import { extractToolText, parseWorkerResult } from '../../src/domain/worker-result';
import { reworkPayloadProblem } from '../../src/workflows/item/messages';
import { sprintInputProblem } from '../../src/workflows/sprint/messages';
import { sprintInputFromFlags } from '../../src/client/commands/run';
import {
  envCases,
  intentLineCases,
  kickoffCases,
  reworkPayloadCases,
  runFlagCases,
  sprintInputCases,
  validIntent,
  validKickoffPlan,
  workerOutputCases,
  Gen,
  type Case,
} from '../support/corpus';
import { size } from '../support/worker-process';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof RunnerError) return err.code;
    return `unexpected ${(err as Error).name}: ${(err as Error).message}`;
  }
  return 'accepted';
};

/** Checks every case; reports all mismatches at once (a name per case makes each reproducible). */
function expectAll<I>(cases: Case<I>[], actual: (input: I) => string): void {
  const wrong = cases.map((c) => ({ name: c.name, expected: c.expected, actual: actual(c.input) })).filter((r) => r.actual !== r.expected);
  expect(wrong.slice(0, 20)).toEqual([]);
}

const sizes = {
  intents: size(650, 5000),
  worker: size(150, 1000),
  kickoff: size(150, 1000),
  rework: size(60, 400),
  sprintInput: size(60, 400),
  flags: size(40, 200),
  env: size(150, 1000),
};

describe('hostile input corpus', () => {
  it('has at least 1,000 cases in all', () => {
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1000);
  });

  it('the valid baselines are accepted (so each mutation is what gets rejected)', () => {
    const g = new Gen(99);
    for (let i = 0; i < 50; i += 1) expect(codeOf(() => parseIntentLine(JSON.stringify(validIntent(g))))).toBe('accepted');
    expect(codeOf(() => validateKickoffPlan(validKickoffPlan(), 'M1', 2))).toBe('accepted');
    expect(reworkPayloadProblem({ reason: 'x', steps: ['y'] })).toBeNull();
    expect(sprintInputProblem({ sprint: 'M1', mode: 'loop' })).toBeNull();
  });

  it(`orchestrator lines: ${sizes.intents} broken JSON, BOMs, unknown fields, wrong roles/endpoints/ids/issue numbers, inexact numbers, deep nesting, > 1 MiB, non-UTF-8`, () => {
    const cases = intentLineCases(sizes.intents);
    expect(new Set(cases.map((c) => c.expected)).size).toBeGreaterThanOrEqual(17);
    expect(cases.filter((c) => c.input.length > 1024 * 1024)).toHaveLength(4);
    expectAll(cases, (bytes) => codeOf(() => parseIntentLine(decodeIntentLine(bytes))));
  });

  it(`Codex outputs: ${sizes.worker} results that are not what the worker must return`, () => {
    expectAll(workerOutputCases(sizes.worker), ({ toolResult, text, expected }) =>
      codeOf(() => parseWorkerResult(toolResult === null ? text : extractToolText(toolResult), expected)),
    );
  });

  it(`kickoff plans: ${sizes.kickoff} plans breaking one rule each`, () => {
    const cases = kickoffCases(sizes.kickoff);
    expect(new Set(cases.map((c) => c.expected)).size).toBeGreaterThanOrEqual(20);
    expectAll(cases, (plan) => codeOf(() => validateKickoffPlan(plan, 'M1', 2)));
  });

  it(`rework signal/update payloads (${sizes.rework}) and sprint workflow inputs (${sizes.sprintInput})`, () => {
    expectAll(reworkPayloadCases(sizes.rework), (payload) => reworkPayloadProblem(payload) ?? 'accepted');
    expectAll(sprintInputCases(sizes.sprintInput), (input) => sprintInputProblem(input) ?? 'accepted');
  });

  it(`\`sprint-runner run\` flags: ${sizes.flags} invalid combinations → CONFIG_ERROR, exit 2`, () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const saved = process.exitCode;
    try {
      expectAll(runFlagCases(sizes.flags), ({ flags, envSprint }) => {
        written.length = 0;
        process.exitCode = 0;
        const input = sprintInputFromFlags(flags, envSprint);
        if (input !== null) return 'accepted';
        const line = JSON.parse(written.join('').trim()) as { type: string; error: string };
        return line.type === 'CONFIG_ERROR' && process.exitCode === 2 ? line.error : `exit ${process.exitCode}: ${written.join('')}`;
      });
    } finally {
      spy.mockRestore();
      process.exitCode = saved;
    }
  });

  it(`environment values: ${sizes.env} invalid values → ConfigError naming the variable`, () => {
    expectAll(envCases(sizes.env), (env) => {
      try {
        loadConfig(env);
        return 'accepted';
      } catch (err) {
        return err instanceof ConfigError ? err.message : `unexpected ${(err as Error).message}`;
      }
    });
  });

  it('`sprint-runner config` exits 2 with the CONFIG_ERROR line (a sample of the env corpus, as real processes)', () => {
    const bin = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');
    const g = new Gen(17);
    const all = envCases(200);
    const sample = Array.from({ length: size(3, 12) }, () => g.pick(all));
    for (const c of sample) {
      const out = spawnSync(process.execPath, [bin, 'config'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...c.input }, encoding: 'utf8', timeout: 60_000 });
      expect({ name: c.name, status: out.status, stderr: out.stderr.trim() }).toEqual({
        name: c.name,
        status: 2,
        stderr: JSON.stringify({ type: 'CONFIG_ERROR', error: c.expected }),
      });
    }
  }, 120_000);
});
