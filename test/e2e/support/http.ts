/** A response as a test sees it. On a non-2xx status `body` is the error: check it with `expectError`. */
export interface Res<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ErrorResponse {
  error: { code: string; message: string };
}

export interface RequestOptions {
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (broken JSON, oversized bodies); wins over `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

/** One HTTP call with Node's global fetch; the body is parsed when the answer says it is JSON. */
export async function request<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  o: RequestOptions = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = {
    ...(o.raw !== undefined || o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(o.token !== undefined ? { authorization: `Bearer ${o.token}` } : {}),
    ...o.headers,
  };
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('application/json') && text.length > 0;
  return { status: res.status, body: (json ? JSON.parse(text) : text) as T, headers: res.headers };
}

/** For helpers that must succeed: the body, or an error naming the call and what came back. */
export function bodyOf<T>(res: Res<T>, expected: number, what: string): T {
  if (res.status !== expected) {
    throw new Error(`${what}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}
