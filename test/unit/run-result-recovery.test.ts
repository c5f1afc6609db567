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

function env(attempt: number, heartbeatDetails?: unknown): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt, heartbeatDetails, workflowExecution: { workflowId: 'sprint-M1-item-7', runId: 'wf-run' } });
}

describe('withRecoverableResult', () => {
  it('a retried claim run whose claim was recorded does not start Codex: it answers "nothing claimed" so the held item is released and re-claimed', async () => {
    const { client, queried } = itemClient({ heldClaim: { issueNumber: 9, projectItemId: 'PVTI_9' } });
    let codexRuns = 0;
    const activity = withRecoverableResult(
      () => client,
      async () => {
        codexRuns += 1;
        return { ...codexResult, attempt: 2 };
      },
    );
    const result = (await env(2).run(activity, claimInput)) as RunResult;
    expect(codexRuns).toBe(0);
    expect(queried).toEqual(['recoveredRunResult', 'heldClaim']);
    expect(result).toMatchObject({ run_id: RUN_ID, status: 'succeeded', urls: {}, attempt: 2 });
    expect(result.summary).toContain('#9');
  });

  it('a retry after an attempt that failed (its last heartbeat says so) runs Codex; a failing attempt leaves that mark', async () => {
    const { client } = itemClient({ heldClaim: { issueNumber: 9, projectItemId: 'PVTI_9' } });
    let codexRuns = 0;
    const retried = (await env(2, { failedRunId: RUN_ID }).run(
      withRecoverableResult(
        () => client,
        async () => {
          codexRuns += 1;
          return { ...codexResult, attempt: 2 };
        },
      ),
      claimInput,
    )) as RunResult;
    expect({ codexRuns, status: retried.status }).toEqual({ codexRuns: 1, status: 'succeeded' });
    const failing = env(1);
    const beats: unknown[] = [];
    failing.on('heartbeat', (details: unknown) => beats.push(details));
    await expect(
      failing.run(
        withRecoverableResult(
          () => client,
          async () => {
            throw new Error('mcp stdio closed');
          },
        ),
        claimInput,
      ),
    ).rejects.toThrow('mcp stdio closed');
    expect(beats).toEqual([{ failedRunId: RUN_ID }]);
  });

  it('a recorded result wins over a recorded claim', async () => {
    const { client, queried } = itemClient({ recoveredRunResult: { ...codexResult, attempt: 1 }, heldClaim: { issueNumber: 9, projectItemId: 'PVTI_9' } });
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

  it('runs Codex on a first attempt, on a retry with nothing recorded, and on a retried run that is no claim', async () => {
    const cases: Array<{ attempt: number; input: CodexRunInput; answers: Record<string, unknown> }> = [
      { attempt: 1, input: claimInput, answers: { heldClaim: { issueNumber: 9, projectItemId: 'PVTI_9' } } },
      { attempt: 2, input: claimInput, answers: {} },
      {
        attempt: 2,
        input: { ...claimInput, intent: { ...claimInput.intent, endpoint: '/internal/reviewer/resolve-linked-pr', role: 'REVIEWER' } },
        answers: { heldClaim: { issueNumber: 9, projectItemId: 'PVTI_9' } },
      },
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
