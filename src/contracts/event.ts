/** One structured stderr event (../../docs/spec/runner-behaviour.md §11): `type` first, then the fields in emitted order. */
export interface RunnerEvent {
  type: string;
  [field: string]: unknown;
}
