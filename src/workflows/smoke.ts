/**
 * A minimal workflow that proves the whole chain on a real server: a durable timer, a signal and
 * an activity. `sprint-runner doctor` and the platform smoke test use it.
 */
import * as wf from '@temporalio/workflow';
import type * as activities from '../activities/smoke';

export const smokeGreetSignal = wf.defineSignal<[string]>('smokeGreet');

const { smokeEcho } = wf.proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

export interface SmokeResult {
  greeting: string;
  timerFired: boolean;
  echoed: string;
}

export async function smokeWorkflow(input: { timerMs: number; waitForSignalMs: number }): Promise<SmokeResult> {
  let greeting: string | null = null;
  wf.setHandler(smokeGreetSignal, (...args: unknown[]) => {
    // Like every message: a payload that is not one short string is ignored.
    if (args.length === 1 && typeof args[0] === 'string' && args[0].length <= 200) greeting = args[0];
  });
  await wf.sleep(input.timerMs, { summary: 'smoke timer' });
  const gotSignal = await wf.condition(() => greeting !== null, input.waitForSignalMs);
  const echoed = await smokeEcho(gotSignal ? `hello ${greeting}` : 'no signal');
  return { greeting: greeting ?? '', timerFired: true, echoed };
}
