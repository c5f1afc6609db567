/**
 * The admin API under /__admin: what GitHub, humans and Codex workers would do outside the backend
 * (move a card, open/push/merge a PR, comment), plus test controls (seed, faults, preflight mode,
 * counters) and observation (items, board, effect log, call stats). Never subject to faults.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { NotFoundError, parseBoardSeed } from './board';
import type { BackendContext } from './context';
import { faultRuleSchema } from './faults';
import { TEMPLATE_TRANSIENT_ERROR } from './preflight';
import { SCHEMA_POLICY_PATH, bundleJson, loadPolicyBundle, schemaFieldOptions } from './policy';

export const ADMIN_PREFIX = '/__admin';

const actorSchema = { role: z.string().min(1).optional(), run_id: z.string().min(1).optional() };
const statusEditSchema = z.object({ status: z.string().min(1), ...actorSchema });
const openPrSchema = z.object({
  issue_number: z.number().int().positive().nullable(),
  body: z.string(),
  head_ref: z.string().min(1).optional(),
  ...actorSchema,
});
const actorOnlySchema = z.object(actorSchema).optional();
const commentSchema = z.object({ body: z.string().min(1), ...actorSchema });
const preflightSchema = z.object({
  status: z.enum(['PASS', 'FAIL']),
  /** Shorthand for a FAIL with the transient template error (orchestrator exit 4). */
  transient: z.boolean().optional(),
  errors: z.array(z.object({ source: z.string().min(1) }).passthrough()).optional(),
});

function invalid(reply: FastifyReply, error: unknown): FastifyReply {
  const message = error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ') : String(error);
  return reply.code(400).send({ error: message });
}

function notFound(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send({ error: `${what} not found` });
}

export function registerAdminRoutes(app: FastifyInstance, ctx: BackendContext): void {
  const { board } = ctx;

  app.get(`${ADMIN_PREFIX}/items`, async () => board.listProjectItems());
  app.get(`${ADMIN_PREFIX}/board`, async () => board.snapshot());
  app.get<{ Querystring: { since?: string } }>(`${ADMIN_PREFIX}/log`, async (request) => {
    const since = Number(request.query.since ?? 0);
    return board.effectLog().filter((entry) => entry.seq > since);
  });

  app.post<{ Params: { projectItemId: string } }>(`${ADMIN_PREFIX}/items/:projectItemId/status`, async (request, reply) => {
    const parsed = statusEditSchema.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const item = board.getItem(request.params.projectItemId);
    if (!item) return notFound(reply, 'project item');
    // A person editing the board on GitHub: any existing option, no transition policy.
    const bundle = await loadPolicyBundle(ctx.policyDir, 'HUMAN');
    if (!schemaFieldOptions(bundleJson(bundle, SCHEMA_POLICY_PATH), 'Status').includes(parsed.data.status)) {
      return reply.code(400).send({ error: `unknown Status option: ${parsed.data.status}` });
    }
    board.setField(item.project_item_id, 'Status', parsed.data.status, {
      role: parsed.data.role ?? 'HUMAN',
      ...(parsed.data.run_id ? { run_id: parsed.data.run_id } : {}),
      http_route: `${ADMIN_PREFIX}/items/:projectItemId/status`,
    });
    return { project_item_id: item.project_item_id, from: item.fields.Status ?? null, to: parsed.data.status };
  });

  app.post(`${ADMIN_PREFIX}/prs`, async (request, reply) => {
    const parsed = openPrSchema.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { role, run_id, ...input } = parsed.data;
    return reply.code(201).send(board.openPullRequest(input, { role: role ?? 'EXECUTOR', ...(run_id ? { run_id } : {}), http_route: `${ADMIN_PREFIX}/prs` }));
  });

  for (const action of ['push', 'merge'] as const) {
    app.post<{ Params: { number: string } }>(`${ADMIN_PREFIX}/prs/:number/${action}`, async (request, reply) => {
      const parsed = actorOnlySchema.safeParse(request.body ?? undefined);
      if (!parsed.success) return invalid(reply, parsed.error);
      const source = {
        role: parsed.data?.role ?? (action === 'merge' ? 'HUMAN' : 'EXECUTOR'),
        ...(parsed.data?.run_id ? { run_id: parsed.data.run_id } : {}),
        http_route: `${ADMIN_PREFIX}/prs/:number/${action}`,
      };
      try {
        const number = Number(request.params.number);
        return action === 'push' ? board.pushPullRequest(number, source) : board.mergePullRequest(number, source);
      } catch (err) {
        if (err instanceof NotFoundError) return notFound(reply, 'pull request');
        throw err;
      }
    });
  }

  app.post<{ Params: { number: string } }>(`${ADMIN_PREFIX}/issues/:number/comments`, async (request, reply) => {
    const parsed = commentSchema.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      const comment = board.createIssueComment(Number(request.params.number), parsed.data.body, {
        ...(parsed.data.role ? { role: parsed.data.role } : {}),
        ...(parsed.data.run_id ? { run_id: parsed.data.run_id } : {}),
        http_route: `${ADMIN_PREFIX}/issues/:number/comments`,
      });
      return reply.code(201).send(comment);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(reply, 'issue');
      throw err;
    }
  });

  app.post<{ Params: { key: string } }>(`${ADMIN_PREFIX}/counters/:key/increment`, async (request) => ({
    value: board.incrementCounter(request.params.key),
  }));

  app.get(`${ADMIN_PREFIX}/faults`, async () => ctx.faults.list());
  app.post(`${ADMIN_PREFIX}/faults`, async (request, reply) => {
    const parsed = faultRuleSchema.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    return reply.code(201).send(ctx.faults.add(parsed.data));
  });
  app.delete(`${ADMIN_PREFIX}/faults`, async () => {
    const cleared = ctx.faults.list().length;
    ctx.faults.clear();
    return { cleared };
  });
  app.get(`${ADMIN_PREFIX}/stats`, async () => ctx.faults.stats());

  app.get(`${ADMIN_PREFIX}/preflight`, async () => ctx.preflight);
  app.post(`${ADMIN_PREFIX}/preflight`, async (request, reply) => {
    const parsed = preflightSchema.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    ctx.preflight.status = parsed.data.status;
    ctx.preflight.errors = parsed.data.status === 'PASS' ? [] : parsed.data.transient ? [{ ...TEMPLATE_TRANSIENT_ERROR }] : (parsed.data.errors ?? []);
    return ctx.preflight;
  });

  app.post(`${ADMIN_PREFIX}/seed`, async (request, reply) => {
    try {
      board.seed(parseBoardSeed(request.body));
    } catch (err) {
      return invalid(reply, (err as Error).message);
    }
    return { items: board.listProjectItems().length };
  });
}
