/**
 * The backend HTTP client (../../docs/spec/runner-behaviour.md §12.1): URL = base + path (+ query), compact JSON
 * bodies, one timeout per request. Failures become HttpError with the old runner's codes so that
 * classification stays the same: network/timeout → backend_unreachable (status 0), status ≥ 400 →
 * backend_http_error, a non-object JSON body → backend_invalid_payload. Retrying is the caller's
 * job (Temporal activity retry policies), never hidden here.
 */
import { HttpError } from '../domain/errors';
import { asciiJson } from '../logging';

export type JsonObject = Record<string, unknown>;

export class BackendClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutS: number,
  ) {}

  get(path: string, query: Record<string, string> = {}): Promise<JsonObject> {
    const search = new URLSearchParams(query).toString();
    return this.request('GET', `${path}${search ? `?${search}` : ''}`);
  }

  post(path: string, body: unknown): Promise<JsonObject> {
    return this.request('POST', path, body);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonObject> {
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
    return payload as JsonObject;
  }
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
