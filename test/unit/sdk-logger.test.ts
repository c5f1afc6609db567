/**
 * The SDK's "Workflow failed" warning (our workflows fail only on purpose, e.g. SprintStopped) is one
 * compact JSON line without a stack trace; every other SDK line keeps the default format.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createSdkLogger } from '../../src/sdk-logger';

describe('createSdkLogger', () => {
  it('writes a deliberate workflow failure as one WORKFLOW_FAILED line with the reason', () => {
    const lines: string[] = [];
    const logger = createSdkLogger('WARN', (line) => lines.push(line));
    const error = ApplicationFailure.create({ type: 'SprintStopped', nonRetryable: true, message: 'intent_error: intent_too_large: …' });
    logger.warn('Workflow failed', { error, workflowType: 'sprintWorkflow', workflowId: 'sprint-M1', runId: 'r1', sdkComponent: 'worker' });
    expect(lines).toEqual([`${JSON.stringify({ type: 'WORKFLOW_FAILED', level: 'WARN', workflow_type: 'sprintWorkflow', workflow_id: 'sprint-M1', run_id: 'r1', error: 'intent_error: intent_too_large: …' })}\n`]);
    expect(lines[0]!.split('\n')).toHaveLength(2);
  });

  it('leaves other SDK lines to the default format and respects the level', () => {
    const lines: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const logger = createSdkLogger('WARN', (line) => lines.push(line));
      logger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'q' });
      logger.info('Workflow failed', { error: new Error('x') });
      expect(lines).toEqual([]);
      expect(stderr).toHaveBeenCalledTimes(1);
      expect(String(stderr.mock.calls[0]![0])).toContain('[WARN] No workflows registered');
    } finally {
      stderr.mockRestore();
    }
  });
});
