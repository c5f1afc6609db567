/**
 * Assembles the Fastify app: a Fastify-4-compatible JSON body parser, the seven /internal routes,
 * fault injection around them, and the admin API.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { registerAdminRoutes } from './admin';
import type { BackendContext } from './context';
import type { FaultRule } from './faults';
import { handleAgentContext } from './routes/agent-context';
import { CLAIM_ROUTE, handleClaimReadyItem } from './routes/claim-ready-item';
import { type RequestDirectives, type RouteHandler, send } from './routes/common';
import { PLAN_APPLY_ROUTE, handlePlanApply } from './routes/plan-apply';
import { handlePreflight } from './routes/preflight';
import { handleResolveLinkedPr } from './routes/resolve-linked-pr';
import { handleRun } from './routes/run';
import { UPDATE_FIELD_ROUTE, handleUpdateField } from './routes/update-field';

export const INTERNAL_ROUTES: { method: 'GET' | 'POST'; url: string; handler: RouteHandler }[] = [
  { method: 'GET', url: '/internal/preflight', handler: handlePreflight },
  { method: 'GET', url: '/internal/agent-context', handler: handleAgentContext },
  { method: 'POST', url: '/internal/run', handler: handleRun },
  { method: 'POST', url: PLAN_APPLY_ROUTE, handler: handlePlanApply },
  { method: 'POST', url: UPDATE_FIELD_ROUTE, handler: handleUpdateField },
  { method: 'POST', url: CLAIM_ROUTE, handler: handleClaimReadyItem },
  { method: 'POST', url: '/internal/reviewer/resolve-linked-pr', handler: handleResolveLinkedPr },
];

const INJECTED_500 = { statusCode: 500, error: 'Internal Server Error', message: 'injected fault' };
const INJECTED_502 = { error: 'GitHub GraphQL request failed: HTTP 502' };

interface RequestFaults {
  directives: RequestDirectives;
  after?: FaultRule;
}

export function buildBackendApp(ctx: BackendContext, options: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });
  const requestFaults = new WeakMap<FastifyRequest, RequestFaults>();

  // Fastify 5 answers invalid JSON with its own code and message; the real backend (Fastify 4)
  // answered {statusCode, error, message:<JSON.parse message>}. Reproduce the latter.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, raw, done) => {
    const text = String(raw);
    if (text === '') {
      const empty = Object.assign(new Error("Body cannot be empty when content-type is set to 'application/json'"), {
        code: 'FST_ERR_CTP_EMPTY_JSON_BODY',
        statusCode: 400,
      });
      done(empty, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const route = request.url.split('?')[0];
    if (route.startsWith('/__admin')) return;
    const decision = ctx.faults.decide(route);
    if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    const fault = decision.fault;
    requestFaults.set(request, {
      directives: { partialFail: decision.partialFail },
      after: fault && fault.phase === 'after' ? fault : undefined,
    });
    if (!fault || fault.phase === 'after') return;
    if (fault.mode === 'http500') return reply.code(500).send(INJECTED_500);
    if (fault.mode === 'http502') return reply.code(502).send(INJECTED_502);
    reply.hijack();
    // 'timeout' simply never answers; the socket stays open until the client gives up.
    if (fault.mode === 'reset') request.raw.socket.destroy();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const fault = requestFaults.get(request)?.after;
    if (!fault) return payload;
    // The route's effects already happened; only the answer is lost or replaced.
    if (fault.mode === 'http500' || fault.mode === 'http502') {
      reply.code(fault.mode === 'http500' ? 500 : 502).type('application/json; charset=utf-8');
      return JSON.stringify(fault.mode === 'http500' ? INJECTED_500 : INJECTED_502);
    }
    if (fault.mode === 'reset') {
      request.raw.socket.destroy();
      return payload;
    }
    return new Promise<never>(() => undefined);
  });

  for (const route of INTERNAL_ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const result = await route.handler(ctx, request, requestFaults.get(request)?.directives);
        return send(reply, result);
      },
    });
  }

  registerAdminRoutes(app, ctx);
  return app;
}
