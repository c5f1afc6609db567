/**
 * For sprint runs from before issue #14 only (they tick against a state file on the orchestrator
 * host until they continue as new; new runs keep the state in the sprint workflow). The file has two
 * writers: the orchestrator process (a read-modify-write per run) and our runner-managed field
 * updates. In the old runner they raced (⚠ ../../docs/spec/runner-behaviour.md §10.2): an update
 * written while the orchestrator ran could roll back its dispatch (`last_run_id`). Within one worker
 * process every use of a state file holds this lock: the whole orchestrator run plus the read of its
 * result, and each runner update.
 */
const tails = new Map<string, Promise<unknown>>();

export function withStateFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const next = (tails.get(path) ?? Promise.resolve()).then(work);
  const tail = next.catch(() => undefined);
  tails.set(path, tail);
  void tail.then(() => {
    if (tails.get(path) === tail) tails.delete(path);
  });
  return next;
}
