/** Helpers shared by the seven /internal routes. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPlainObject } from '../../shared/json-file';
import type { BackendContext } from '../context';
import type { FaultRule } from '../faults';
import { evaluatePreflight } from '../preflight';
import { BundleError, type PolicyBundle, loadPolicyBundle } from '../policy';

export interface RouteResult {
  status: number;
  body: unknown;
}

/** Per-request instructions from the fault injector that a route itself must act on. */
export interface RequestDirectives {
  partialFail?: FaultRule;
}

export type RouteHandler = (ctx: BackendContext, request: FastifyRequest, directives?: RequestDirectives) => Promise<RouteResult>;

export function badRequest(error: string): RouteResult {
  return { status: 400, body: { error } };
}

/** A text/plain body arrives as a string: treat it as an empty object so `role` is "required". */
export function requestBody(request: FastifyRequest): Record<string, unknown> {
  return isPlainObject(request.body) ? request.body : {};
}

/** Every POST route runs preflight first: non-200 passes through, FAIL becomes 409. */
export async function preflightGate(ctx: BackendContext, role: string): Promise<RouteResult | null> {
  const preflight = await evaluatePreflight(ctx, role);
  if (preflight.status !== 200) return preflight;
  if ((preflight.body as { status?: string }).status === 'FAIL') return { status: 409, body: preflight.body };
  return null;
}

export async function loadBundleOrError(ctx: BackendContext, role: string): Promise<PolicyBundle | RouteResult> {
  try {
    return await loadPolicyBundle(ctx.policyDir, role);
  } catch (err) {
    if (err instanceof BundleError) return { status: 500, body: { error: err.message, path: err.path } };
    throw err;
  }
}

export function isRouteResult(value: unknown): value is RouteResult {
  return isPlainObject(value) && typeof value.status === 'number' && 'body' in value;
}

export function send(reply: FastifyReply, result: RouteResult): FastifyReply {
  return reply.code(result.status).type('application/json; charset=utf-8').send(result.body);
}
