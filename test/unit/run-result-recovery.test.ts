/**
 * The Codex activity's retry guard (src/activities/run-result-recovery.ts): a retried attempt asks
 * its item workflow before starting Codex again. The item workflow is stood in by a client whose
 * queries answer from a table; the activity context is @temporalio/testing's.
 */
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withRecoverableResult } from '../../src/activities/run-result-recovery';
import { CLAIM_ENDPOINT } from '../../src/domain/intents';
import type { CodexRunInput, WorkerResult } from '../../src/workflows/item/ports';

type RunResult = WorkerResult & { attempt?: number };

const RUN_ID = '3f1c2b1e-8a8e-4c59-9d6a-2f5a3f0d7c11';
const claimInput: CodexRunInput = {
  intent: { type: 'RUN_INTENT', role: 'EXECUTOR', run_id: RUN_ID, endpoint: CLAIM_ENDPOINT, body: { role: 'EXECUTOR', run_id: RUN_ID } },
  toolsCallTimeoutS: 60,
};
const codexResult: WorkerResult = {
  run_id: RUN_ID,
  role: 'EXECUTOR',
  status: 'succeeded',
  outcome: null,
  summary: 'opened PR',
  urls: { pr: 'https://github.com/o/r/pull/7' },
  errors: [],
  marker_verified: true,
};

/** A client whose item workflow answers queries from `answers` (query name → answer) and takes every signal. */
function itemClient(answers: Record<string, unknown>): { client: Client; queried: string[] } {
  const queried: string[] = [];
  const handle = {
    query: async (query: { name: string }) => {
      queried.push(query.name);
      return answers[query.name] ?? null;
    },
    signal: async () => undefined,
  };
  return { client: { workflow: { getHandle: () => handle } } as unknown as Client, queried };
}

function env(attempt: number): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt, workflowExecution: { workflowId: 'sprint-M1-item-7', runId: 'wf-run' } });
}

describe('withRecoverableResult', () => {
  it('a retry returns the result its item workflow recorded instead of running Codex again', async () => {
    const { client, queried } = itemClient({ recoveredRunResult: { ...codexResult, attempt: 1 } });
    const result = await env(3).run(
      withRecoverableResult(
        () => client,
        async () => {
          throw new Error('Codex must not run');
        },
      ),
      claimInput,
    );
    expect(result).toEqual({ ...codexResult, attempt: 1 });
    expect(queried).toEqual(['recoveredRunResult']);
  });

  it('runs Codex on a first attempt and on a retry with nothing recorded', async () => {
    const cases: Array<{ attempt: number; input: CodexRunInput; answers: Record<string, unknown> }> = [
      { attempt: 1, input: claimInput, answers: { recoveredRunResult: { ...codexResult, attempt: 1 } } },
      { attempt: 2, input: claimInput, answers: {} },
    ];
    for (const { attempt, input, answers } of cases) {
      const { client } = itemClient(answers);
      let codexRuns = 0;
      const result = (await env(attempt).run(
        withRecoverableResult(
          () => client,
          async () => {
            codexRuns += 1;
            return { ...codexResult, attempt };
          },
        ),
        input,
      )) as RunResult;
      expect({ attempt, endpoint: input.intent.endpoint, codexRuns, status: result.status }).toEqual({
        attempt,
        endpoint: input.intent.endpoint,
        codexRuns: 1,
        status: 'succeeded',
      });
    }
  });
});
