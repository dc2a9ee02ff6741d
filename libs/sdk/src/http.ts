import { parseRetryAfter } from './backoff';
import type { Clock } from './clock';
import { codeForStatus, isSdkErrorCode, PupitreError } from './errors';

export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface HttpOptions {
  baseUrl: string;
  fetch: FetchLike;
  clock: Clock;
  timeoutMs: number;
}

export interface HttpAnswer<T> {
  status: number;
  body: T;
  /** `X-Visitor-Token`: the renewed token, when the server sent one. */
  renewedToken?: string;
}

/** One HTTP call to the gateway; every failure becomes a PupitreError with the contract's code. */
export class Http {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async request<T>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
    const timer = this.options.clock.setTimeout(() => controller?.abort(), this.options.timeoutMs);
    let res: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      res = await this.options.fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller?.signal,
      });
      text = await res.text();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new PupitreError('NETWORK_ERROR', `${method} ${path}: no answer (${why})`);
    } finally {
      this.options.clock.clearTimeout(timer);
    }
    const parsed = parseJson(text);
    if (!res.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = isSdkErrorCode(error?.code) ? error.code : codeForStatus(res.status);
      const message = typeof error?.message === 'string' ? error.message : `${method} ${path}: ${res.status}`;
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.options.clock.now());
      throw new PupitreError(code, message, res.status, retryAfterMs);
    }
    return {
      status: res.status,
      body: parsed as T,
      renewedToken: res.headers.get('x-visitor-token') ?? undefined,
    };
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
