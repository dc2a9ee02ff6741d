import http from 'node:http';
import type { Socket } from 'node:net';

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: http.IncomingHttpHeaders;
}

/**
 * A small JSON client over Node's http with keep-alive (no extra dependency). `maxSockets` bounds the
 * open connections; requests beyond it wait in the agent's queue, and that wait counts in their time.
 */
export class JsonClient {
  readonly agent: http.Agent;

  constructor(
    private readonly host: string,
    private readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    timeoutMs = 30_000,
    /** Called when the request gets a socket, i.e. leaves the agent's queue for the wire. */
    onSocket?: (socket: Socket) => void,
  ): Promise<JsonResponse<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = bodyOf(Buffer.concat(chunks), res.headers['content-type']);
            resolve({ status: res.statusCode ?? 0, body: body as T, headers: res.headers });
          });
        },
      );
      if (onSocket) req.once('socket', onSocket);
      req.setTimeout(timeoutMs, () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but anything other than `expected` is an error naming the answer. */
  async expect<T>(
    expected: number,
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<T> {
    const res = await this.request<T>(method, path, body, token);
    if (res.status !== expected) {
      throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    return res.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** An answer's body: parsed when it says it is JSON (and is), else its text. */
export function bodyOf(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  if (!text || !/json/.test(contentType ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs fn over items with at most `limit` at once; the first failure rejects. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
