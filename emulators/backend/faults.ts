/**
 * Fault injection for the backend routes (never for /__admin). A rule matches one route or all of
 * them ('*') and fires on some of the matching calls: from the nth on, at most `count` times, each
 * with probability `rate` drawn from a seeded PRNG, so a failing benchmark run can be replayed.
 */
import { z } from 'zod';

export const FAULT_MODES = ['latency', 'http500', 'http502', 'reset', 'timeout', 'partial_fail'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const faultRuleSchema = z
  .object({
    route: z.string().min(1),
    mode: z.enum(FAULT_MODES),
    latencyMs: z.number().int().min(0).optional(),
    rate: z.number().min(0).max(1).optional(),
    nth: z.number().int().min(1).optional(),
    count: z.number().int().min(1).optional(),
    seed: z.number().int().optional(),
    /** 'before': the route never runs; 'after': the route's effects happen, then the answer is spoiled. */
    phase: z.enum(['before', 'after']).optional(),
    /** partial_fail only: which draft issue fails, at which plan-apply step, with which message. */
    index: z.number().int().min(0).optional(),
    step: z.enum(['create_issue', 'add_to_project', 'set_project_fields', 'update_issue_scope']).optional(),
    error: z.string().optional(),
  })
  .strict();

export type FaultRuleInput = z.infer<typeof faultRuleSchema>;

export interface FaultRule extends FaultRuleInput {
  id: number;
}

interface RuleState {
  rule: FaultRule;
  seen: number;
  fired: number;
  random: () => number;
}

export interface FaultDecision {
  latencyMs: number;
  /** The error-type fault to apply, if any (at most one per call). */
  fault?: FaultRule;
  /** A plan-apply PARTIAL_FAIL directive, if any. */
  partialFail?: FaultRule;
}

/** mulberry32: tiny, fast and good enough to make rate-based faults reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: RuleState[] = [];
  private nextId = 1;
  private calls: Record<string, number> = {};
  private faults: Record<string, number> = {};

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: this.nextId++ };
    this.rules.push({ rule, seen: 0, fired: 0, random: seededRandom(input.seed ?? 1) });
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((state) => ({ ...state.rule }));
  }

  /** Counts the call and decides which rules fire for it. */
  decide(route: string): FaultDecision {
    this.calls[route] = (this.calls[route] ?? 0) + 1;
    const decision: FaultDecision = { latencyMs: 0 };
    for (const state of this.rules) {
      const { rule } = state;
      if (rule.route !== '*' && rule.route !== route) continue;
      state.seen += 1;
      if (rule.nth !== undefined && state.seen < rule.nth) continue;
      const limit = rule.count ?? (rule.nth !== undefined ? 1 : Infinity);
      if (state.fired >= limit) continue;
      if (rule.mode !== 'latency' && rule.mode !== 'partial_fail' && decision.fault) continue;
      if (rule.rate !== undefined && state.random() >= rule.rate) continue;
      state.fired += 1;
      this.faults[route] = (this.faults[route] ?? 0) + 1;
      if (rule.mode === 'latency') decision.latencyMs += rule.latencyMs ?? 0;
      else if (rule.mode === 'partial_fail') decision.partialFail = rule;
      else decision.fault = rule;
    }
    return decision;
  }

  stats(): { calls: Record<string, number>; faults: Record<string, number> } {
    return { calls: { ...this.calls }, faults: { ...this.faults } };
  }

  resetStats(): void {
    this.calls = {};
    this.faults = {};
  }
}
