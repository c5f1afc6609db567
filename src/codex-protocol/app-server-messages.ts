/**
 * Validation of what `codex app-server` sends us. The protocol's types are generated from the pinned
 * binary (`npm run codex-protocol` → ./app-server/, `codex app-server generate-ts`); the zod schemas
 * below check, at runtime, the part of each incoming message the runner reads. Each schema is loose
 * (fields are added in every release) and is pinned to the generated type at compile time: the
 * `Accepts` assertions fail the type check if a message the generated protocol allows would be
 * rejected here, so a regeneration that changes a field we rely on breaks the build, not a run.
 *
 * Wire format (observed with 0.153.4 and 0.171.0): newline-delimited JSON-RPC 2.0 without the
 * `"jsonrpc"` member; notifications may carry an extra top-level `emittedAtMs`.
 */
import { z } from 'zod';
import type { InitializeParams } from './app-server/InitializeParams';
import type { InitializeResponse } from './app-server/InitializeResponse';
import type { ErrorNotification } from './app-server/v2/ErrorNotification';
import type { ItemCompletedNotification } from './app-server/v2/ItemCompletedNotification';
import type { ThreadStartParams } from './app-server/v2/ThreadStartParams';
import type { ThreadStartResponse } from './app-server/v2/ThreadStartResponse';
import type { ThreadTokenUsageUpdatedNotification } from './app-server/v2/ThreadTokenUsageUpdatedNotification';
import type { TurnCompletedNotification } from './app-server/v2/TurnCompletedNotification';
import type { TurnInterruptParams } from './app-server/v2/TurnInterruptParams';
import type { TurnStartParams } from './app-server/v2/TurnStartParams';
import type { TurnStartResponse } from './app-server/v2/TurnStartResponse';
import type { ServerRequest } from './app-server/ServerRequest';
import type { CommandExecutionRequestApprovalResponse } from './app-server/v2/CommandExecutionRequestApprovalResponse';
import type { FileChangeRequestApprovalResponse } from './app-server/v2/FileChangeRequestApprovalResponse';
import type { ExecCommandApprovalResponse } from './app-server/ExecCommandApprovalResponse';
import type { ApplyPatchApprovalResponse } from './app-server/ApplyPatchApprovalResponse';
import type { McpServerElicitationRequestResponse } from './app-server/v2/McpServerElicitationRequestResponse';

export type {
  InitializeParams,
  ThreadStartParams,
  TurnStartParams,
  TurnInterruptParams,
  ServerRequest,
  CommandExecutionRequestApprovalResponse,
  FileChangeRequestApprovalResponse,
  ExecCommandApprovalResponse,
  ApplyPatchApprovalResponse,
  McpServerElicitationRequestResponse,
};

/** Compile-time check: every value of the generated type `G` passes schema `S`'s static type. */
type Accepts<S extends z.ZodType, G> = G extends z.infer<S> ? true : never;
const accepts = <S extends z.ZodType, G>(_: Accepts<S, G>): void => undefined;

const Id = z.union([z.string(), z.number()]);

/** Any JSON-RPC message of the app-server wire (the `jsonrpc` member is optional). */
export const AppServerEnvelopeSchema = z.union([
  z.looseObject({ id: Id, method: z.string(), params: z.unknown().optional() }),
  z.looseObject({ id: Id, result: z.unknown() }),
  z.looseObject({ id: Id.nullable(), error: z.looseObject({ code: z.number(), message: z.string(), data: z.unknown().optional() }) }),
  z.looseObject({ method: z.string(), params: z.unknown().optional() }),
]);

export const InitializeResponseSchema = z.looseObject({ userAgent: z.string() });
accepts<typeof InitializeResponseSchema, InitializeResponse>(true);

const TurnErrorSchema = z.looseObject({ message: z.string() });
const TurnSchema = z.looseObject({
  id: z.string(),
  status: z.enum(['completed', 'interrupted', 'failed', 'inProgress']),
  error: TurnErrorSchema.nullable(),
  items: z.array(z.looseObject({ type: z.string() })),
});

export const ThreadStartResponseSchema = z.looseObject({
  thread: z.looseObject({ id: z.string() }),
  model: z.string(),
  modelProvider: z.string(),
});
accepts<typeof ThreadStartResponseSchema, ThreadStartResponse>(true);

export const TurnStartResponseSchema = z.looseObject({ turn: TurnSchema });
accepts<typeof TurnStartResponseSchema, TurnStartResponse>(true);

export const TurnCompletedSchema = z.looseObject({ threadId: z.string(), turn: TurnSchema });
accepts<typeof TurnCompletedSchema, TurnCompletedNotification>(true);

/** `item/completed`; `agentMessage` items are read further (their `text`), and `commandExecution` ones (command, output). */
export const ItemCompletedSchema = z.looseObject({
  threadId: z.string(),
  turnId: z.string(),
  item: z.looseObject({ type: z.string(), id: z.string() }),
});
accepts<typeof ItemCompletedSchema, ItemCompletedNotification>(true);
export const AgentMessageItemSchema = z.looseObject({ type: z.literal('agentMessage'), text: z.string() });
export const CommandExecutionItemSchema = z.looseObject({ type: z.literal('commandExecution'), command: z.string(), aggregatedOutput: z.string().nullable() });

const TokenBreakdownSchema = z.looseObject({ totalTokens: z.number() });
export const TokenUsageUpdatedSchema = z.looseObject({
  threadId: z.string(),
  turnId: z.string(),
  tokenUsage: z.looseObject({ total: TokenBreakdownSchema, last: TokenBreakdownSchema }),
});
accepts<typeof TokenUsageUpdatedSchema, ThreadTokenUsageUpdatedNotification>(true);

export const ErrorNotificationSchema = z.looseObject({
  error: TurnErrorSchema,
  willRetry: z.boolean(),
  threadId: z.string(),
  turnId: z.string(),
});
accepts<typeof ErrorNotificationSchema, ErrorNotification>(true);

/** Server → client requests the runner answers (everything else gets JSON-RPC -32601). */
export type ServerRequestMethod = ServerRequest['method'];

/**
 * The refusal for each approval-type request: approvals are never granted (the sandbox and
 * `approvalPolicy: "never"` should keep them from being asked at all).
 */
export const DENIALS = {
  'item/commandExecution/requestApproval': { decision: 'decline' } satisfies CommandExecutionRequestApprovalResponse,
  'item/fileChange/requestApproval': { decision: 'decline' } satisfies FileChangeRequestApprovalResponse,
  execCommandApproval: { decision: { denied: { rejection: 'sprint-runner never grants approvals' } } } satisfies ExecCommandApprovalResponse,
  applyPatchApproval: { decision: { denied: { rejection: 'sprint-runner never grants approvals' } } } satisfies ApplyPatchApprovalResponse,
  'mcpServer/elicitation/request': { action: 'decline', content: null, _meta: null } satisfies McpServerElicitationRequestResponse,
} as const satisfies Partial<Record<ServerRequestMethod, unknown>>;
