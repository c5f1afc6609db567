/** One structured stderr event (runner-behaviour.md §11): `type` first, then the fields in emitted order. */
export interface RunnerEvent {
  type: string;
  [field: string]: unknown;
}
