/**
 * The SDK's "Workflow failed" warning (our workflows fail only on purpose, e.g. SprintStopped) is one
 * compact JSON line without a stack trace; every other SDK line is one SDK_LOG JSON line.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createSdkLogger } from '../../src/sdk-logger';

describe('createSdkLogger', () => {
  it('writes a deliberate workflow failure as one WORKFLOW_FAILED line with the reason', () => {
    const lines: string[] = [];
    const logger = createSdkLogger('WARN', (line) => lines.push(line));
    const error = ApplicationFailure.create({ type: 'SprintStopped', nonRetryable: true, message: 'intent_error: intent_too_large: …' });
    logger.warn('Workflow failed', { error, workflowType: 'sprintWorkflow', workflowId: 'sprint-M1', runId: 'r1', sdkComponent: 'worker' });
    expect(lines).toEqual([
      `${JSON.stringify({ type: 'WORKFLOW_FAILED', level: 'WARN', workflow_type: 'sprintWorkflow', workflow_id: 'sprint-M1', run_id: 'r1', error: 'intent_error: intent_too_large: …' })}\n`,
    ]);
    expect(lines[0]!.split('\n')).toHaveLength(2);
  });

  it('writes every other SDK line as one JSON object too, at or above the level, errors flattened', () => {
    const lines: string[] = [];
    const logger = createSdkLogger('WARN', (line) => lines.push(line));
    logger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'q', sdkComponent: 'worker' });
    logger.info('Workflow failed', { error: new Error('x') });
    const failure = ApplicationFailure.create({ type: 'CodexWorkerError', message: 'worker_timeout: no result\nsecond line' });
    logger.warn('Activity failed', { error: failure, activityType: 'runCodexWorker', attempt: 2n, sdkComponent: 'activity' });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true);
    const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ type: 'SDK_LOG', level: 'WARN', component: 'worker', message: 'No workflows registered, not polling for workflow tasks', taskQueue: 'q' });
    expect(second).toMatchObject({
      type: 'SDK_LOG',
      level: 'WARN',
      component: 'activity',
      message: 'Activity failed',
      activityType: 'runCodexWorker',
      attempt: '2',
      error: 'worker_timeout: no result\nsecond line',
      error_type: 'ApplicationFailure(CodexWorkerError)',
    });
    expect(typeof second!.error_stack).toBe('string');
  });
});
