/**
 * Task-queue routing is held by types: a queue's worker registers exactly that queue's activity set,
 * and a workflow proxy of a queue offers exactly its set. The @ts-expect-error lines below are the
 * test: if a wrong registration or proxy compiled, `npm run typecheck` (and ts-jest) would fail on the
 * unused directive.
 */
import { QUEUE_ROLES, queueSet, type QueueActivities } from '../../src/workflows/activity-queues';
import { parseWorkerRoles, CliUsageError } from '../../src/client/cli-args';

const runCodexWorker = (async () => ({})) as unknown as QueueActivities['executor']['runCodexWorker'];
const checkCodexMcp = async () => ({ servers: [] });
const runOrchestrator = (async () => ({})) as unknown as QueueActivities['orchestrator']['runOrchestrator'];

describe('activity sets per task queue', () => {
  it('a set registers only its own activities (compile-time)', () => {
    expect(queueSet('executor', { runCodexWorker, checkCodexMcp })).toEqual({ runCodexWorker, checkCodexMcp });
    // @ts-expect-error the orchestrator process must not be served by a Codex worker's queue
    queueSet('executor', { runCodexWorker, checkCodexMcp, runOrchestrator });
    // @ts-expect-error a queue's set is complete: the executor queue needs its MCP check
    queueSet('executor', { runCodexWorker });
  });

  it('a workflow proxy of a queue offers only that queue’s activities (compile-time)', () => {
    type Proxy<R extends keyof QueueActivities> = ReturnType<typeof import('../../src/workflows/activity-queues').activitiesOn<R>>;
    const uses = (executor: Proxy<'executor'>, main: Proxy<'main'>, orchestrator: Proxy<'orchestrator'>) => [
      executor.runCodexWorker,
      main.routeIntents,
      orchestrator.runOrchestrator,
      // @ts-expect-error board writes are not on the executor queue
      executor.blockItem,
      // @ts-expect-error the orchestrator runs on its own queue, not main
      main.runOrchestrator,
      // @ts-expect-error Codex runs are not on the orchestrator queue
      orchestrator.runCodexWorker,
    ];
    expect(typeof uses).toBe('function');
  });

  it('`worker --roles` takes any subset of the four queues, each once', () => {
    expect(parseWorkerRoles('main,orchestrator')).toEqual(['main', 'orchestrator']);
    expect(parseWorkerRoles(' executor , reviewer ')).toEqual(['executor', 'reviewer']);
    expect(parseWorkerRoles(QUEUE_ROLES.join(','))).toEqual([...QUEUE_ROLES]);
    expect(() => parseWorkerRoles('main,codex')).toThrow(new CliUsageError('--roles takes a comma list of main, executor, reviewer, orchestrator; got "codex"'));
    expect(() => parseWorkerRoles('main,main')).toThrow('--roles names main twice');
    expect(() => parseWorkerRoles('')).toThrow(CliUsageError);
  });
});
