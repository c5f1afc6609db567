/** Everything a route handler needs, created once per emulator instance. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Board } from './board';
import type { FaultInjector } from './faults';
import type { ArchitectureMap } from './sprint-ownership';
import { sha256Hex } from './policy';

/** The backend's own environment (never the test process's env, unless main.ts passes it). */
export interface BackendEnv {
  EXECUTOR_CLAIM_TTL_MINUTES?: string;
  ORCHESTRATOR_STATE_PATH?: string;
  TARGET_OWNER_LOGIN?: string;
  TARGET_OWNER_TYPE?: string;
  TARGET_REPO_NAME?: string;
  TARGET_PROJECT_NAME?: string;
  TARGET_TEMPLATE_PATH?: string;
  TARGET_REF?: string;
  [name: string]: string | undefined;
}

export interface PreflightErrorEntry {
  source: string;
  [key: string]: unknown;
}

/** What the admin API sets: the emulated GitHub checks behind preflight pass or fail. */
export interface PreflightControl {
  status: 'PASS' | 'FAIL';
  errors: PreflightErrorEntry[];
}

export interface TemplateMeta {
  size_bytes: number;
  sha256: string;
}

export interface BackendContext {
  board: Board;
  faults: FaultInjector;
  preflight: PreflightControl;
  policyDir: string;
  env: BackendEnv;
  /** Where relative ORCHESTRATOR_STATE_PATH values resolve (the real backend's repo root). */
  repoRoot: string;
  architecture: ArchitectureMap;
  template: TemplateMeta;
  /** Claims run one at a time in a process (a promise queue, like the real route). */
  claimQueue: SerialQueue;
}

export const TARGET_TEMPLATE_FILE = join(__dirname, 'target-repo', '.github', 'ISSUE_TEMPLATE', 'milestone-task.yml');

export function readTemplateMeta(path = TARGET_TEMPLATE_FILE): TemplateMeta {
  const content = readFileSync(path, 'utf8');
  return { size_bytes: Buffer.byteLength(content, 'utf8'), sha256: sha256Hex(content) };
}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
