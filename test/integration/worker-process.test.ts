import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testAddress, uniqueTaskQueue } from '../support/temporal';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');

describe('sprint-runner worker (real process on the real server)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('starts, polls every queue and shuts down cleanly on %s', async (signal) => {
    const taskQueue = uniqueTaskQueue('worker-proc');
    const child = spawn(process.execPath, [BIN, 'worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: testAddress(), TEMPORAL_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ready = await new Promise<{ task_queues: string[] }>((resolve, reject) => {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (line.includes('RUNNER_WORKER_READY')) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });
    expect(ready.task_queues).toEqual([taskQueue, `${taskQueue}-executor`, `${taskQueue}-reviewer`, `${taskQueue}-orchestrator`]);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    expect(await exit).toBe(0);
  });
});
