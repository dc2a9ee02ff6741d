import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@pupitre/shared/testing';
import { type HealthThread, type HealthThreadProbe, startHealthThread } from './health-thread';

const READY = JSON.stringify({ status: 'ready', checks: { consumer: 'up', replyPath: 'up' } });
const NOT_READY = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'not ready: billing' } });

/**
 * The health thread in a real worker thread, on a real port, in front of a stand-in for the app's
 * server on another port (it marks its answers and records what reaches it).
 */
describe('the health thread', () => {
  let app: http.Server;
  let thread: HealthThread;
  const reached: string[] = [];
  const claims: (string | string[] | undefined)[] = [];
  const probes: HealthThreadProbe[] = [];
  const failures: Error[] = [];
  const get = (path: string, method = 'GET') =>
    fetch(`http://127.0.0.1:${thread.port}${path}`, { method, headers: { 'x-request-id': 'probe-1234' } });

  beforeAll(async () => {
    app = http.createServer((req, res) => {
      if (req.url === '/metrics?cut-short') {
        // Half an answer, then the connection gone (an app that fails while it writes).
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
        res.write('half an answer');
        return void setTimeout(() => res.socket?.destroy(), 20);
      }
      reached.push(`${req.method} ${req.url}`);
      claims.push(req.headers['x-forwarded-for']);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-From-App': 'yes' });
      res.end(`the app's ${req.url}`);
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    thread = await startHealthThread(
      {
        port: 0,
        upstream: { host: '127.0.0.1', port: (app.address() as AddressInfo).port },
        probes: ['/health/live', '/health/ready', '/health/ready/self'],
        handedOn: ['/metrics'],
        exposedHeaders: 'Retry-After,X-Request-Id',
        healthMaxAgeMs: 5000,
        nice: 19,
      },
      {
        onProbes: (p) => void probes.push(...p),
        onFailure: (err) => void failures.push(err),
        onWarning: (message) => void failures.push(new Error(message)),
      },
    );
  });

  afterAll(async () => {
    await thread.close();
    await new Promise((resolve) => app.close(resolve));
    expect(failures).toEqual([]);
  });

  it('runs at the nice value asked for (Linux: a raise of it is always granted)', () => {
    expect(thread.nice).toBe(process.platform === 'linux' ? 19 : 0);
  });

  it('hands the probes to the app until the main thread has published and stamped a copy', async () => {
    thread.stamp();
    const res = await get('/health/ready/self');
    expect([res.headers.get('x-from-app'), await res.text()]).toEqual([
      'yes',
      "the app's /health/ready/self",
    ]);
  });

  it("answers the probes from the copy while it is fresh, with the app's headers", async () => {
    thread.publish({
      '/health/ready/self': { status: 200, json: READY },
      '/health/ready': { status: 503, json: NOT_READY, retryAfterSeconds: 5 },
    });
    const self = await waitFor(
      async () => {
        thread.stamp();
        const res = await get('/health/ready/self');
        return res.headers.get('x-from-app') === null ? res : undefined;
      },
      { what: 'the probe answered by the thread' },
    );
    expect([self.status, await self.text()]).toEqual([200, READY]);
    expect(self.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(self.headers.get('x-request-id')).toBe('probe-1234');
    expect(self.headers.get('access-control-allow-origin')).toBe('*');
    thread.stamp();
    const system = await get('/health/ready?verbose');
    expect([system.status, system.headers.get('retry-after'), await system.text()]).toEqual([
      503,
      '5',
      NOT_READY,
    ]);
    await waitFor(() => probes.some((p) => p.path === '/health/ready' && p.status === 503), {
      what: 'the probes reported',
    });
  });

  it('hands on what the copy does not answer: another method, a probe it has no answer for, /metrics', async () => {
    thread.stamp();
    const before = reached.length;
    expect((await get('/health/ready/self', 'POST')).headers.get('x-from-app')).toBe('yes');
    expect((await get('/health/live')).headers.get('x-from-app')).toBe('yes'); // no answer published for it
    const metrics = await fetch(`http://127.0.0.1:${thread.port}/metrics`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(await metrics.text()).toBe("the app's /metrics");
    // A client's claim of an address is not passed to an app that trusts this hop.
    expect(claims.at(-1)).toBeUndefined();
    expect(reached.slice(before)).toEqual(['POST /health/ready/self', 'GET /health/live', 'GET /metrics']);
  });

  it("cuts the prober's answer short when the app's is cut short, rather than leave it waiting", async () => {
    const res = await get('/metrics?cut-short');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("serves nothing else of the app: 404 NOT_FOUND in the contract's shape", async () => {
    const before = reached.length;
    const res = await get('/v1/admin/agents');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect(reached.length).toBe(before);
  });

  it("hands the probes on once the main thread's copy is stale (its loop stuck): they wait for the app", async () => {
    thread.stamp();
    expect((await get('/health/ready/self')).headers.get('x-from-app')).toBeNull();
    thread.stamp(Date.now() - 6000); // the main thread's last copy, 6 s old
    expect((await get('/health/ready/self')).headers.get('x-from-app')).toBe('yes');
    thread.stamp();
  });
});

describe('the health thread without its app', () => {
  it("answers 503 UNAVAILABLE with a Retry-After when the app's server is gone", async () => {
    const failures: Error[] = [];
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    const thread = await startHealthThread(
      {
        port: 0,
        upstream: { host: '127.0.0.1', port },
        probes: ['/health/live'],
        handedOn: [],
        exposedHeaders: 'Retry-After',
      },
      { onProbes: () => undefined, onFailure: (err) => void failures.push(err), onWarning: () => undefined },
    );
    try {
      const res = await fetch(`http://127.0.0.1:${thread.port}/health/live`);
      expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1']);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
    } finally {
      await thread.close();
    }
    expect(failures).toEqual([]);
  });

  it('fails to start when its port is taken', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    try {
      await expect(
        startHealthThread(
          {
            port: (taken.address() as AddressInfo).port,
            upstream: { host: '127.0.0.1', port: 1 },
            probes: [],
            handedOn: [],
            exposedHeaders: '',
          },
          { onProbes: () => undefined, onFailure: () => undefined, onWarning: () => undefined },
        ),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
