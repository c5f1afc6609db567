/**
 * Loopback stand-in for the OpenAI Responses API (`POST /v1/responses`, streamed as SSE) that the
 * real `codex mcp-server` 0.153.4 talks to when CODEX_HOME/config.toml selects a custom
 * `model_provider` with `wire_api = "responses"`.
 *
 * Events sent, as codex-api's SSE reader consumes them: `response.created`,
 * `response.output_item.added` / `response.output_item.done` (an assistant `message` with
 * `output_text`, or a `function_call`), and `response.completed` with `usage`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelToolCall {
  /** Shell command line the model asks codex to run (sent through whichever shell tool the request offers). */
  command: string;
}

export interface ModelScript {
  /**
   * The final assistant message; a function receives the recorded request and may answer later (a
   * promise; one that never settles plays a model that hangs).
   */
  finalMessage: string | ((request: RecordedModelRequest) => string | Promise<string>);
  /** When set, the first request of a turn is answered with this tool call and the follow-up request with the final message. */
  toolCall?: ModelToolCall;
  /** Token usage reported in `response.completed` (defaults: 120 input, 30 output). */
  usage?: { input_tokens: number; output_tokens: number };
  /** Delay before the stream starts, in ms. */
  delayMs?: number;
}

export interface RecordedModelRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | null;
  /** Which answer the emulator gave: 'tool_call', 'message', or 'not_found'. */
  answered: 'tool_call' | 'message' | 'not_found';
}

export interface ModelEmulator {
  /** Base URL for `model_providers.<id>.base_url` (ends in /v1). */
  url: string;
  port: number;
  requests: RecordedModelRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function inputItems(body: Record<string, unknown> | null): Record<string, unknown>[] {
  const input = body?.['input'];
  return Array.isArray(input) ? (input.filter((item) => item && typeof item === 'object') as Record<string, unknown>[]) : [];
}

function toolNames(body: Record<string, unknown> | null): string[] {
  const tools = body?.['tools'];
  if (!Array.isArray(tools)) return [];
  return tools.map((tool) => (tool && typeof tool === 'object' ? String((tool as Record<string, unknown>)['name'] ?? '') : ''));
}

/** A function_call item for the shell tool the request offers (names and argument shapes differ across codex versions). */
function shellCallItem(body: Record<string, unknown> | null, command: string, callId: string): Record<string, unknown> {
  const names = toolNames(body);
  let name = 'shell';
  let args: Record<string, unknown> = { command: ['bash', '-lc', command] };
  if (names.includes('exec_command')) {
    name = 'exec_command';
    args = { cmd: command };
  } else if (names.includes('shell_command')) {
    name = 'shell_command';
    args = { command };
  }
  return { type: 'function_call', id: `fc_${callId}`, call_id: callId, name, arguments: JSON.stringify(args), status: 'completed' };
}

export function startModelEmulator(options: { script: ModelScript; host?: string; port?: number }): Promise<ModelEmulator> {
  const { script } = options;
  const requests: RecordedModelRequest[] = [];
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    let body: Record<string, unknown> | null = null;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const record: RecordedModelRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, answered: 'not_found' };
    requests.push(record);
    if (req.method !== 'POST' || !path.endsWith('/responses')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
      return;
    }
    const items = inputItems(body);
    const hasToolOutput = items.some((item) => item['type'] === 'function_call_output' || item['type'] === 'custom_tool_call_output');
    const answerWithTool = script.toolCall !== undefined && !hasToolOutput;
    record.answered = answerWithTool ? 'tool_call' : 'message';
    if (script.delayMs) await new Promise((resolve) => setTimeout(resolve, script.delayMs));

    seq += 1;
    const responseId = `resp_emulated_${seq}`;
    const text = answerWithTool ? '' : typeof script.finalMessage === 'function' ? await script.finalMessage(record) : script.finalMessage;
    const item = answerWithTool
      ? shellCallItem(body, script.toolCall!.command, `call_emulated_${seq}`)
      : {
          type: 'message',
          id: `msg_emulated_${seq}`,
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text, annotations: [] }],
        };
    const usage = script.usage ?? { input_tokens: 120, output_tokens: 30 };
    const events: Record<string, unknown>[] = [
      { type: 'response.created', response: { id: responseId, object: 'response', status: 'in_progress' } },
      { type: 'response.output_item.added', output_index: 0, item },
      { type: 'response.output_item.done', output_index: 0, item },
      {
        type: 'response.completed',
        response: {
          id: responseId,
          object: 'response',
          status: 'completed',
          usage: {
            input_tokens: usage.input_tokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: usage.output_tokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.input_tokens + usage.output_tokens,
          },
        },
      },
    ];
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (const [index, event] of events.entries()) {
      res.write(`event: ${String(event['type'])}\ndata: ${JSON.stringify({ ...event, sequence_number: index })}\n\n`);
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: (error as Error).message } }));
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        port,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
