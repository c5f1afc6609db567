/**
 * The backend HTTP client (../../docs/spec/runner-behaviour.md §12.1): URL = base + path (+ query), compact JSON
 * bodies, one timeout per request. Failures become HttpError with the old runner's codes so that
 * classification stays the same: network/timeout → backend_unreachable (status 0), status ≥ 400 →
 * backend_http_error, a non-object JSON body → backend_invalid_payload. Retrying is the caller's
 * job (Temporal activity retry policies), never hidden here.
 *
 * Only the routes of contracts/backend.ts (BACKEND_ROUTES) can be called, and every success answer
 * is parsed with its route's schema there: an answer that does not match is backend_invalid_payload
 * too, with a message naming the route, the field, what was expected and what arrived.
 */
import { BACKEND_ROUTES, type BackendAnswer, type BackendPath, type BackendRoute } from '../contracts/backend';
import { describeParseIssues, parseIssueList } from '../contracts/parse';
import { HttpError } from '../domain/errors';
import { asciiJson } from '../logging';

export type JsonObject = Record<string, unknown>;

export class BackendClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutS: number,
  ) {}

  async get<P extends BackendPath<'GET'>>(path: P, query: Record<string, string> = {}): Promise<BackendAnswer<`GET ${P}`>> {
    const search = new URLSearchParams(query).toString();
    const { payload, status } = await this.request('GET', `${path}${search ? `?${search}` : ''}`);
    return parseAnswer(`GET ${path}`, payload, status);
  }

  async post<P extends BackendPath<'POST'>>(path: P, body: unknown): Promise<BackendAnswer<`POST ${P}`>> {
    const { payload, status } = await this.request('POST', path, body);
    return parseAnswer(`POST ${path}`, payload, status);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ payload: JsonObject; status: number }> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : asciiJson(body),
        signal: AbortSignal.timeout(this.timeoutS * 1000),
      });
      text = await response.text();
    } catch (err) {
      const error = err as Error & { cause?: { code?: string; message?: string } };
      const reason = error.name === 'TimeoutError' ? 'timed out' : (error.cause?.message ?? error.message);
      throw new HttpError('backend_unreachable', 'backend request failed', 0, {
        reason,
        error_type: error.cause?.code ?? error.name,
      });
    }
    const payload = parseBody(text);
    if (response.status >= 400) {
      throw new HttpError('backend_http_error', `backend returned HTTP ${response.status}`, response.status, payload);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new HttpError('backend_invalid_payload', 'backend JSON payload must be an object', response.status, payload);
    }
    return { payload: payload as JsonObject, status: response.status };
  }
}

/** A success answer through its route's schema (contracts/backend.ts); a mismatch is backend_invalid_payload. */
export function parseAnswer<R extends BackendRoute>(route: R, payload: JsonObject, status: number): BackendAnswer<R> {
  const schema = BACKEND_ROUTES[route];
  if (schema === null) return payload as BackendAnswer<R>;
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data as BackendAnswer<R>;
  const error = new HttpError(
    'backend_invalid_payload',
    `backend ${route} answered a payload that breaks its contract: ${describeParseIssues(parsed.error, payload)}`,
    status,
    payload,
  );
  error.details.route = route;
  error.details.issues = parseIssueList(parsed.error, payload);
  throw error;
}

/** Empty body → {}; invalid JSON → {raw: text} (the old runner's rules). */
function parseBody(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}
