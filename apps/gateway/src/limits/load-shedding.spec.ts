import cors from 'cors';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceName } from '@pupitre/shared';
import { NotSent } from '../http';
import type { RequestClient } from '../kafka';
import { loadShedder, shedAtTheDoor } from './load-shedding';

/** A RequestClient whose bound is full for the services named. */
const clientFullFor = (...full: ServiceName[]) =>
  ({
    refusal: (service: ServiceName) =>
      full.includes(service) ? NotSent.refusal(`${service} is overloaded; try again later`, 3) : null,
  }) as unknown as RequestClient;

const CORS = cors({ exposedHeaders: ['Retry-After', 'X-Request-Id'] });

/** A desk feed behind by `seconds` (past its limit), or keeping up (null). */
const feedBehind = (seconds: number | null) => ({
  refusal: () =>
    seconds === null ? null : NotSent.refusal('the desks are behind; try again later', seconds),
});

function shedderFor(
  client: RequestClient,
  logger = { warn: (_: string) => undefined },
  now = Date.now,
  lag = feedBehind(null),
) {
  const done: Array<{ method: string; route: string; status: number }> = [];
  const metrics = {
    httpDone: (method: string, route: string, status: number) => done.push({ method, route, status }),
  };
  return { shed: loadShedder({ client, feedLag: lag, metrics, cors: CORS, logger, now }), done };
}

/** A server whose requests go through `shed` first, then to an app that answers 200 and counts. */
async function serveBehind(
  shed: Parameters<typeof shedAtTheDoor>[1],
  logger?: Parameters<typeof shedAtTheDoor>[2],
) {
  const reached: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    reached.push(`${req.method} ${req.url}`);
    res.end('app');
  });
  shedAtTheDoor(server, shed, logger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { base, reached, close };
}

/** The same, behind the load shedder of a client: what it answered is in `done`. */
async function serve(client: RequestClient, lag = feedBehind(null)) {
  const { shed, done } = shedderFor(client, undefined, undefined, lag);
  return { ...(await serveBehind(shed)), done };
}

const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ text: 'hello', clientMessageId: 'c-1' }),
  });

describe(loadShedder.name, () => {
  it("holds a client's retry (X-Attempt 2 or more) to the retries' bound, and a first try to its own", async () => {
    const asked: Array<[ServiceName, boolean]> = [];
    // Full for retries only: the retries' bound is the lower one.
    const client = {
      refusal: (service: ServiceName, retry = false) => {
        asked.push([service, retry]);
        return retry ? NotSent.refusal(`${service} is overloaded; try again later`, 2) : null;
      },
    } as unknown as RequestClient;
    const sut = await serve(client);
    try {
      expect((await post(`${sut.base}/v1/visitor/messages`)).status).toBe(200);
      expect((await post(`${sut.base}/v1/visitor/messages`, { 'x-attempt': '1' })).status).toBe(200);
      expect((await post(`${sut.base}/v1/visitor/messages`, { 'x-attempt': 'two' })).status).toBe(200);
      const retry = await post(`${sut.base}/v1/visitor/messages`, { 'x-attempt': '2' });
      expect(retry.status).toBe(503);
      expect(retry.headers.get('retry-after')).toBe('2');
      expect(sut.reached).toHaveLength(3);
      expect(asked.map(([, retry]) => retry)).toEqual([false, false, false, true]);
    } finally {
      await sut.close();
    }
  });

  it('answers a visitor message for an overloaded conversation service at the door: 503 UNAVAILABLE, Retry-After, CORS and X-Request-Id; the app never sees it', async () => {
    const sut = await serve(clientFullFor('conversation'));
    try {
      const res = await post(`${sut.base}/v1/visitor/messages`, {
        origin: 'https://shop.example',
        'x-request-id': 'client-req-0001',
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: { code: 'UNAVAILABLE', message: 'conversation is overloaded; try again later' },
      });
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-request-id')).toBe('client-req-0001');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After,X-Request-Id');
      // A malformed request id is replaced, as on every answer.
      const other = await post(`${sut.base}/v1/visitor/messages?x=1`, {
        'x-request-id': 'no spaces allowed',
      });
      expect(other.status).toBe(503);
      expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(sut.reached).toEqual([]);
      // Counted by route pattern, like any answer.
      expect(sut.done).toEqual([
        { method: 'POST', route: '/v1/visitor/messages', status: 503 },
        { method: 'POST', route: '/v1/visitor/messages', status: 503 },
      ]);
    } finally {
      await sut.close();
    }
  });

  it("tells the main thread's priority of each refusal, and of nothing it lets through", async () => {
    const refused = jest.fn();
    let full = false;
    const client = {
      refusal: (service: ServiceName) => (full ? NotSent.refusal(`${service} is overloaded`, 1) : null),
    } as unknown as RequestClient;
    const metrics = { httpDone: () => undefined };
    const sut = await serveBehind(loadShedder({ client, metrics, cors: CORS, priority: { refused } }));
    try {
      expect((await post(`${sut.base}/v1/visitor/messages`)).status).toBe(200);
      full = true;
      expect((await post(`${sut.base}/v1/visitor/messages`)).status).toBe(503);
      expect((await post(`${sut.base}/v1/visitor/messages`)).status).toBe(503);
      expect(refused).toHaveBeenCalledTimes(2);
    } finally {
      await sut.close();
    }
  });

  it('lets every request through to the app while the service is under its bound', async () => {
    const sut = await serve(clientFullFor('routing'));
    try {
      const res = await post(`${sut.base}/v1/visitor/messages`);
      expect([res.status, await res.text()]).toEqual([200, 'app']);
      expect(sut.reached).toEqual(['POST /v1/visitor/messages']);
      expect(sut.done).toEqual([]);
    } finally {
      await sut.close();
    }
  });

  it('refuses a visitor message at the door while the desk feed is too far behind, though the service is under its bound; other routes go on', async () => {
    const sut = await serve(clientFullFor(), feedBehind(4));
    try {
      const res = await post(`${sut.base}/v1/visitor/messages`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('4');
      expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
      expect((await fetch(`${sut.base}/v1/visitor/conversations`)).status).toBe(200);
      expect(sut.reached).toEqual(['GET /v1/visitor/conversations']);
      expect(sut.done).toEqual([{ method: 'POST', route: '/v1/visitor/messages', status: 503 }]);
    } finally {
      await sut.close();
    }
  });

  it('sheds only the routes that carry the load: reads and other routes go on to the app', async () => {
    const sut = await serve(clientFullFor('conversation', 'routing', 'billing'));
    try {
      for (const [method, path] of [
        ['GET', '/v1/visitor/messages'],
        ['GET', '/v1/visitor/conversations'],
        ['POST', '/v1/visitors'],
        ['OPTIONS', '/v1/visitor/messages'],
        ['GET', '/health/ready'],
      ]) {
        expect((await fetch(`${sut.base}${path}`, { method })).status).toBe(200);
      }
      expect(sut.reached).toHaveLength(5);
    } finally {
      await sut.close();
    }
  });

  it('a shedder that throws is logged and the request goes on to the app, the server still up', async () => {
    const errors: string[] = [];
    const failing = () => {
      throw new Error('broken');
    };
    const sut = await serveBehind(failing, { error: (m: string) => void errors.push(m) });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await post(`${sut.base}/v1/visitor/messages`);
        expect([res.status, await res.text()]).toEqual([200, 'app']);
      }
      expect(sut.reached).toHaveLength(2);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatch(/^the load shedder failed on POST \/v1\/visitor\/messages: Error: broken/);
    } finally {
      await sut.close();
    }
  });

  it('sums its refusals in one warning at most every 5 s, not an access line each', () => {
    const warnings: string[] = [];
    let t = 0;
    const { shed } = shedderFor(
      clientFullFor('conversation'),
      { warn: (m) => void warnings.push(m) },
      () => t,
    );
    const refuse = () => {
      const res = {
        setHeader: () => undefined,
        getHeader: () => undefined,
        writeHead: () => undefined,
        end: () => undefined,
      };
      const req = { method: 'POST', url: '/v1/visitor/messages', headers: {} };
      return shed(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    };
    for (t = 0; t <= 4900; t += 100) expect(refuse()).toBe(true);
    expect(warnings).toEqual([]);
    t = 5000;
    refuse();
    expect(warnings).toEqual([
      'refused 51 request(s) at once (503: a service at its bound, or the desk feed behind) in the last 5000 ms',
    ]);
  });
});
