/**
 * sprint-runner's own metrics, created with the Temporal SDK's metric meter so they leave through
 * the same exporter (the Prometheus endpoint of RUNNER_METRICS_ADDRESS) as the SDK's. Without an
 * exporter the meter records nothing. Names are the contract of dashboards and of
 * test/telemetry/metrics.test.ts; Prometheus adds nothing to them (no `_total`, no unit suffix).
 */
import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter } from '@temporalio/common';

export const METRIC = {
  codexRuns: 'sprint_runner_codex_runs',
  codexRunDuration: 'sprint_runner_codex_run_duration',
  codexTokens: 'sprint_runner_codex_tokens',
  intentsRouted: 'sprint_runner_intents_routed',
  intentsRefused: 'sprint_runner_intents_refused',
  boardItems: 'sprint_runner_board_items',
  blockedRetries: 'sprint_runner_blocked_retries',
  reworkRequests: 'sprint_runner_rework_requests',
} as const;

export interface RunnerMetrics {
  /** Finished Codex runs by role, status (succeeded, failed, error, cancelled), outcome (PASS/FAIL/INCOMPLETE/none), classification. */
  codexRuns: MetricCounter;
  /** Wall time of a Codex run attempt, by role and status. */
  codexRunDuration: MetricHistogram;
  /**
   * Tokens Codex runs used, by role and kind: `input` (cached input included) and `output` (reasoning
   * included) as Codex reported them when the run's session ended; `other` = a total without a
   * breakdown. Summed over kinds: the runs' total tokens.
   */
  codexTokens: MetricCounter;
  /** Intents handed to their item workflows, by sprint. */
  intentsRouted: MetricCounter;
  /** Orchestrator batches refused (nothing of them routed), by sprint and reason (the refusal code). */
  intentsRefused: MetricCounter;
  /** Items per board status as the orchestrator last counted them, by sprint and status. */
  boardItems: MetricGauge;
}

const byMeter = new WeakMap<MetricMeter, RunnerMetrics>();

export function runnerMetrics(meter: MetricMeter): RunnerMetrics {
  let metrics = byMeter.get(meter);
  if (!metrics) {
    metrics = {
      codexRuns: meter.createCounter(METRIC.codexRuns, 'runs', 'Codex runs finished, by role, status, outcome and classification'),
      codexRunDuration: meter.createHistogram(METRIC.codexRunDuration, 'int', 'ms', 'Codex run attempt wall time'),
      codexTokens: meter.createCounter(METRIC.codexTokens, 'tokens', 'Tokens used by Codex runs, by role and kind (input, output, other)'),
      intentsRouted: meter.createCounter(METRIC.intentsRouted, 'intents', 'Intents routed to item workflows'),
      intentsRefused: meter.createCounter(METRIC.intentsRefused, 'batches', 'Orchestrator batches refused, by reason'),
      boardItems: meter.createGauge(METRIC.boardItems, 'int', 'items', 'Board items per status as the orchestrator last counted them'),
    };
    byMeter.set(meter, metrics);
  }
  return metrics;
}
