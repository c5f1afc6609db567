/** `sprint-runner run` as an operator runs it: a real CLI process, a minimal environment, its exit code. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'sprint-runner.js');

export interface CliOutcome {
  status: number;
  stdout: string;
  stderr: string;
  /** The JSON event lines of stderr. */
  events: Array<Record<string, unknown>>;
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 150_000): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const events = stderr.split('\n').flatMap((line) => {
          if (!line.startsWith('{')) return [];
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr, events });
      },
    );
  });
}
