import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@pupitre/shared/testing';
import { DoorState, packDoorView, packRetryView, unpackDoorView, unpackRetryView } from './door-state';
import {
  admittedByDoor,
  DOOR_ADMITTED_HEADER,
  type DoorRefusals,
  type DoorThread,
  type DoorThreadHooks,
  type DoorThreadOptions,
  startDoorThread,
} from './door-thread';
import { serveHopped } from './door-hop';

const SECRET = 'a-secret-of-this-test';
const OPEN = {
  shut: false,
  reason: 'overloaded',
  bound: 100,
  retryAfterSeconds: 1,
  retryBound: 100,
  retriesShut: false,
} as const;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  admitted: boolean;
  body: string;
}

/**
 * The door thread in a real worker thread, on a real port, in front of a stand-in for the main
 * thread's server on a Unix socket, which serves the admitted visitor messages handed over as
 * messages as well (it records what reaches it, and can hold answers back).
 */
describe('the door thread', () => {
  let dir: string;
  let main: http.Server;
  let door: DoorThread;
  let options: DoorThreadOptions;
  const state = new DoorState();
  const seen: Seen[] = [];
  const refusals: DoorRefusals[] = [];
  const failures: Error[] = [];
  let hold: Promise<void> = Promise.resolve();
  const hooks: DoorThreadHooks = {
    serve: (request, answer) => serveHopped(main, request, answer),
    onRefusals: (r) => void refusals.push(r),
    onWarning: () => undefined,
    onFailure: (err) => void failures.push(err),
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'door-thread-spec-'));
    const socketPath = join(dir, 'http.sock');
    main = http.createServer((req, res) => {
      if (req.url === '/health/live') return void res.end('{"status":"live"}');
      if (req.url === '/cut-short') {
        // Half an answer, then the connection gone (an app that fails while it writes).
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
        res.write('half an answer');
        return void setTimeout(() => res.socket?.destroy(), 20);
      }
      if (req.url === '/v1/visitor/messages?destroy') return void res.destroy();
      const body: Buffer[] = [];
      req.on('data', (chunk: Buffer) => body.push(chunk));
      void new Promise((resolve) => req.on('end', resolve))
        .then(() => {
          seen.push({
            method: req.method!,
            url: req.url!,
            headers: req.headers,
            admitted: admittedByDoor(req.headers),
            body: Buffer.concat(body).toString(),
          });
          return hold;
        })
        .then(() => {
          res.writeHead(req.method === 'POST' ? 201 : 200, {
            'Content-Type': 'application/json',
            'X-From-Main': 'yes',
            Connection: 'keep-alive',
          });
          res.end(JSON.stringify({ path: req.url }));
        });
    });
    main.on('upgrade', (req, socket: net.Socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Forwarded-For-Seen: ${String(req.headers['x-forwarded-for'])}\r\n\r\n`,
      );
      socket.pipe(socket);
    });
    main.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => main.listen(socketPath, resolve));
    state.publish(OPEN);
    options = {
      socketPath,
      port: 0,
      backlog: 511,
      sockets: 2,
      keepAliveTimeoutMs: 5000,
      bodyLimitBytes: 1024,
      nice: 0,
      secret: SECRET,
      state: state.buffer,
      refusal: {
        messages: {
          overloaded: 'conversation is overloaded; try again later',
          'desks-behind': 'the desks are behind; try again later',
        },
        exposedHeaders: 'Retry-After,X-Request-Id,X-Visitor-Token',
      },
    };
    door = await startDoorThread(options, hooks);
  });
  afterEach(() => {
    seen.splice(0);
    refusals.splice(0);
    hold = Promise.resolve();
    state.publish(OPEN);
  });
  afterAll(async () => {
    await door?.stopAccepting();
    main.closeAllConnections();
    await new Promise((resolve) => main.close(resolve));
    await door?.terminate();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(`http://127.0.0.1:${door.port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: method === 'POST' ? (body ?? JSON.stringify({ text: 'hi', clientMessageId: 'c-1' })) : undefined,
    });
  const total = () => refusals.reduce((n, r) => n + r.seconds.length, 0);

  it('says how many sockets listen on the port', () => {
    expect(door.sockets).toBe(2);
  });

  it('hands any request on, with the client appended to X-Forwarded-For and the answer passed back', async () => {
    const res = await call('GET', '/v1/visitor/conversations?x=1', {
      'x-forwarded-for': '203.0.113.9',
      [DOOR_ADMITTED_HEADER]: SECRET,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-from-main')).toBe('yes');
    expect(await res.json()).toEqual({ path: '/v1/visitor/conversations?x=1' });
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    // Whatever a client sends in the thread's own header is dropped: only what the thread admits bears it.
    expect(seen[0].admitted).toBe(false);
  });

  it('hands on a visitor message while the door is open, marked as admitted', async () => {
    const res = await call('POST', '/v1/visitor/messages');
    expect(res.status).toBe(201);
    expect(seen.map((s) => [s.url, s.admitted])).toEqual([['/v1/visitor/messages', true]]);
  });

  it('hands a visitor message over as a message: its head and whole body in, the whole answer out', async () => {
    const res = await call(
      'POST',
      '/v1/visitor/messages?x=1',
      { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'r-1', [DOOR_ADMITTED_HEADER]: 'forged' },
      '{"text":"hé"}',
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-from-main')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('application/json');
    // Hop-by-hop headers of the app's answer are this hop's, not the client's.
    expect(res.headers.get('connection')).not.toBe('close');
    expect(await res.json()).toEqual({ path: '/v1/visitor/messages?x=1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/visitor/messages?x=1', body: '{"text":"hé"}' });
    expect(seen[0].headers).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      'x-request-id': 'r-1',
      'content-length': String(Buffer.byteLength('{"text":"hé"}')),
      [DOOR_ADMITTED_HEADER]: SECRET,
    });
  });

  it("reads a body only one byte past the app's limit, and says how long the client's was", async () => {
    const big = JSON.stringify({ text: 'x'.repeat(5000) });
    expect((await call('POST', '/v1/visitor/messages', {}, big)).status).toBe(201);
    expect(seen[0].body).toHaveLength(1025);
    // The app's parser refuses it by that length (413), as it would have read it.
    expect(seen[0].headers['content-length']).toBe(String(big.length));
  });

  it('answers many visitor messages at once, each its own', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call('POST', `/v1/visitor/messages?n=${i}`).then((r) => r.json())),
    );
    expect(answers).toEqual(Array.from({ length: 40 }, (_, i) => ({ path: `/v1/visitor/messages?n=${i}` })));
  });

  it('resets the client when the app destroys its answer, and frees its place', async () => {
    state.publish({ ...OPEN, bound: 1 });
    await expect(call('POST', '/v1/visitor/messages?destroy')).rejects.toThrow();
    expect((await call('POST', '/v1/visitor/messages')).status).toBe(201);
    expect(failures).toEqual([]);
  });

  it('drops the answer of a client that went away, and goes on', async () => {
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const gone = new AbortController();
    const first = call('POST', '/v1/visitor/messages').catch(() => 'gone');
    void first;
    const aborted = fetch(`http://127.0.0.1:${door.port}/v1/visitor/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: gone.signal,
    }).catch(() => 'gone');
    await waitFor(() => seen.length === 2, { what: 'both handed on' });
    gone.abort();
    expect(await aborted).toBe('gone');
    release();
    expect(((await first) as Response).status).toBe(201);
    expect((await call('POST', '/v1/visitor/messages')).status).toBe(201);
    expect(failures).toEqual([]);
  });

  it('refuses visitor messages while the door is shut, as the main thread would, and reports them', async () => {
    state.publish({ ...OPEN, shut: true, retryAfterSeconds: 7 });
    const res = await call('POST', '/v1/visitor/messages', { 'x-request-id': 'client-request-1' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-request-id')).toBe('client-request-1');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await res.json()).toEqual({
      error: { code: 'UNAVAILABLE', message: 'conversation is overloaded; try again later' },
    });

    state.publish({ ...OPEN, shut: true, reason: 'desks-behind', retryAfterSeconds: 3 });
    const behind = await call('POST', '/v1/visitor/messages');
    expect(behind.status).toBe(503);
    expect(((await behind.json()) as { error: { message: string } }).error.message).toBe(
      'the desks are behind; try again later',
    );
    // Other routes go on: only the visitor's messages are shed.
    expect((await call('GET', '/v1/visitor/conversations')).status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/v1/visitor/conversations']);

    await waitFor(() => total() === 2, { what: 'two refusals reported' });
    expect(refusals.reduce((n, r) => n + r.desksBehind, 0)).toBe(1);
  });

  it('refuses at the bound itself: what it handed on and is not answered yet counts', async () => {
    state.publish({ ...OPEN, bound: 1 });
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const first = call('POST', '/v1/visitor/messages');
    await waitFor(() => seen.length === 1, { what: 'the first message handed on' });
    const second = await call('POST', '/v1/visitor/messages');
    expect(second.status).toBe(503);
    release();
    expect((await first).status).toBe(201);
    // Answered: its place is free again.
    await waitFor(async () => (await call('POST', '/v1/visitor/messages')).status === 201, {
      what: 'a message admitted again',
    });
  });

  it("holds a client's retry (X-Attempt 2 or more) to the retries' bound, a first try to the whole bound", async () => {
    state.publish({ ...OPEN, bound: 3, retryBound: 1 });
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const first = call('POST', '/v1/visitor/messages');
    await waitFor(() => seen.length === 1, { what: 'the first message handed on' });
    // This thread's first tries do not hold a retry back (the main thread's count does, below)…
    const retry = call('POST', '/v1/visitor/messages', { 'x-attempt': '2' });
    await waitFor(() => seen.length === 2, { what: 'a retry handed on' });
    // …its own retries do, at their bound; and every message counts against the whole bound.
    expect((await call('POST', '/v1/visitor/messages', { 'x-attempt': '3' })).status).toBe(503);
    const another = call('POST', '/v1/visitor/messages');
    await waitFor(() => seen.length === 3, { what: 'a first try handed on' });
    expect((await call('POST', '/v1/visitor/messages')).status).toBe(503);
    release();
    expect([(await first).status, (await retry).status, (await another).status]).toEqual([201, 201, 201]);
    // Answered: the retry's place is free again.
    hold = Promise.resolve();
    await waitFor(
      async () => (await call('POST', '/v1/visitor/messages', { 'x-attempt': '2' })).status === 201,
      {
        what: 'a retry admitted again',
      },
    );
    // Shut for retries (all that waits for conversation, as the main thread counts it): a retry is
    // refused, a first try still handed on.
    state.publish({ ...OPEN, retriesShut: true });
    expect((await call('POST', '/v1/visitor/messages', { 'x-attempt': '2' })).status).toBe(503);
    expect((await call('POST', '/v1/visitor/messages')).status).toBe(201);
  });

  it('holds a retry to the whole bound too, under its own', async () => {
    state.publish({ ...OPEN, bound: 2, retryBound: 2 });
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const firsts = [call('POST', '/v1/visitor/messages'), call('POST', '/v1/visitor/messages')];
    await waitFor(() => seen.length === 2, { what: 'two first tries handed on' });
    expect((await call('POST', '/v1/visitor/messages', { 'x-attempt': '2' })).status).toBe(503);
    release();
    expect((await Promise.all(firsts)).map((r) => r.status)).toEqual([201, 201]);
  });

  it('cuts the client’s answer short when the app’s is, rather than leave it waiting', async () => {
    const res = await call('GET', '/cut-short');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    // And goes on.
    expect((await call('GET', '/v1/anything')).status).toBe(200);
    expect(failures).toEqual([]);
  });

  it('a second door thread that cannot listen leaves nothing, and the first one’s mark trusted', async () => {
    await expect(startDoorThread({ ...options, port: door.port, secret: 'another' }, hooks)).rejects.toThrow(
      /EADDRINUSE/,
    );
    expect(admittedByDoor({ [DOOR_ADMITTED_HEADER]: SECRET })).toBe(true);
    expect(admittedByDoor({ [DOOR_ADMITTED_HEADER]: 'another' })).toBe(false);
    expect((await call('POST', '/v1/visitor/messages')).status).toBe(201);
    expect(seen[0].admitted).toBe(true);
    expect(failures).toEqual([]);
  });

  const linuxOnly = process.platform === 'linux' ? it : it.skip;
  // Linux's answer to a connect past a Unix socket's queue is EAGAIN.
  linuxOnly(
    "refuses (503, Retry-After) requests and upgrades the main thread's socket has no room for, rather than reset them",
    async () => {
      // A main thread whose loop is busy for two seconds, on a socket queueing one connection: the
      // door's other connections to it are refused at once.
      const socketPath = join(dir, 'busy.sock');
      const crowded = await startDoorThread(
        { ...options, port: 0, socketPath, secret: 'a-crowded-one' },
        hooks,
      );
      const busy = spawn(
        process.execPath,
        [
          '-e',
          `const server = require('node:http').createServer((q, s) => s.end('{}'));
           server.on('upgrade', (q, s) => s.end('HTTP/1.1 101 Switching Protocols\\r\\nConnection: Upgrade\\r\\nUpgrade: echo\\r\\n\\r\\n'));
           server.listen({ path: ${JSON.stringify(socketPath)}, backlog: 1 }, () => {
             console.log('listening');
             const t = Date.now();
             while (Date.now() - t < 2000);
           });`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      try {
        await new Promise<void>((resolve, reject) => {
          busy.stdout!.once('data', () => resolve());
          busy.once('exit', () => reject(new Error('the busy server ended before it listened')));
        });
        // An upgrade's answer: its status line, once the door has closed it.
        const upgrade = () =>
          new Promise<string>((resolve) => {
            const chunks: Buffer[] = [];
            const socket = net.connect(crowded.port, '127.0.0.1', () =>
              socket.write(
                'GET /socket.io/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n',
              ),
            );
            socket.on('data', (c: Buffer) => chunks.push(c));
            socket.on('error', () => undefined);
            socket.on('close', () => resolve(Buffer.concat(chunks).toString().split('\r\n')[0]));
          });
        const [answers, upgrades] = await Promise.all([
          Promise.all(
            Array.from({ length: 20 }, () =>
              fetch(`http://127.0.0.1:${crowded.port}/health/live`).then(
                async (r) => ({
                  status: r.status,
                  retryAfter: r.headers.get('retry-after'),
                  body: await r.text(),
                }),
                (err: Error) => ({ status: -1, retryAfter: null, body: err.message }),
              ),
            ),
          ),
          Promise.all(Array.from({ length: 10 }, upgrade)),
        ]);
        // Each answered: none reset, some refused as the gateway refuses, the others served.
        expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
        const refused = answers.filter((a) => a.status === 503);
        expect(refused.length).toBeGreaterThan(0);
        for (const r of refused) {
          expect(r.retryAfter).toBe('1');
          expect(JSON.parse(r.body)).toEqual({
            error: { code: 'UNAVAILABLE', message: 'the gateway is busy; try again later' },
          });
        }
        expect(upgrades.filter((line) => !/^HTTP\/1\.1 (101|503) /.test(line))).toEqual([]);
        const upgradesRefused = upgrades.filter((line) => line.startsWith('HTTP/1.1 503 ')).length;
        expect(upgradesRefused).toBeGreaterThan(0);
        // Reported for the metrics, each with its method and path: the app saw none of them.
        const busyReported = () => refusals.flatMap((r) => r.busy);
        await waitFor(() => busyReported().length === refused.length + upgradesRefused, {
          what: 'the busy refusals reported',
        });
        expect(busyReported().filter((b) => b.method !== 'GET')).toEqual([]);
        const paths = busyReported().map((b) => b.path);
        expect(paths.filter((p) => p === '/health/live')).toHaveLength(refused.length);
        expect(paths.filter((p) => p === '/socket.io/')).toHaveLength(upgradesRefused);
      } finally {
        busy.kill();
        await crowded.stopAccepting();
        await crowded.terminate();
      }
    },
  );

  linuxOnly('runs under SCHED_FIFO when asked, or says why not', async () => {
    const warnings: string[] = [];
    // The policy (field 41 of stat: 1 is SCHED_FIFO) of each thread named so; one may end meanwhile.
    const policies = () =>
      readdirSync('/proc/self/task').flatMap((tid) => {
        try {
          if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'pupitre-door') return [];
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38])];
        } catch {
          return [];
        }
      });
    expect(policies()).not.toContain(1);
    const fifo = await startDoorThread(
      { ...options, port: 0, secret: 'a-fifo-one', fifo: 1 },
      { ...hooks, onWarning: (m) => void warnings.push(m) },
    );
    try {
      await waitFor(() => warnings.length > 0 || policies().includes(1), {
        what: 'SCHED_FIFO or a warning',
      });
      // As root or with CAP_SYS_NICE (CI): under SCHED_FIFO. Without: a warning that says why. Either
      // way the thread says which (for the metrics).
      if (warnings.length === 0) {
        expect(policies().filter((p) => p === 1)).toHaveLength(1);
        expect(fifo.priority.fifo).toBe(1);
      } else {
        expect(warnings[0]).toMatch(/^the door thread stays at its nice value \(SCHED_FIFO 1 refused: /);
        expect(fifo.priority.fifo).toBe(0);
      }
    } finally {
      await fifo.stopAccepting();
      await fifo.terminate();
    }
  });

  it('answers 400 to a path its client would not send (a tab), and goes on', async () => {
    const socket = net.connect(door.port, '127.0.0.1');
    try {
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.write('GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => received.includes('\r\n\r\n'), { what: 'an answer' });
      expect(received).toMatch(/^HTTP\/1\.1 400/);
    } finally {
      socket.destroy();
    }
    expect((await call('GET', '/v1/visitor/conversations')).status).toBe(200);
    expect(failures).toEqual([]);
  });

  it("answers the probes itself from the main thread's copy while it is fresh, and hands them on once it is not", async () => {
    // A door of its own: its view stamped only by this test, its copy kept 300 ms.
    const own = new DoorState();
    const probing = await startDoorThread(
      { ...options, port: 0, state: own.buffer, secret: 'a-probed-one', healthMaxAgeMs: 300 },
      hooks,
    );
    try {
      const get = (path: string, method = 'GET') =>
        fetch(`http://127.0.0.1:${probing.port}${path}`, {
          method,
          headers: { 'x-request-id': 'probe-1234' },
        });
      // Nothing published yet: handed on, as before the thread knew any answer.
      own.publish(OPEN);
      own.stampHealth();
      expect((await get('/health/ready/self')).headers.get('x-from-main')).toBe('yes');

      const ready = JSON.stringify({ status: 'ready', checks: { consumer: 'up', replyPath: 'up' } });
      const notReady = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'not ready: billing' } });
      probing.publishHealth({
        '/health/ready/self': { status: 200, json: ready },
        '/health/ready': { status: 503, json: notReady, retryAfterSeconds: 5 },
      });
      const self = await waitFor(
        async () => {
          own.stampHealth();
          const res = await get('/health/ready/self');
          return res.headers.get('x-from-main') === null ? res : undefined;
        },
        { what: 'the probe answered by the thread' },
      );
      expect(self.status).toBe(200);
      expect(await self.text()).toBe(ready);
      expect(self.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(self.headers.get('x-request-id')).toBe('probe-1234');
      expect(self.headers.get('access-control-allow-origin')).toBe('*');
      const seenBefore = seen.length;
      own.stampHealth();
      const system = await get('/health/ready');
      expect([system.status, system.headers.get('retry-after'), await system.text()]).toEqual([
        503,
        '5',
        notReady,
      ]);
      // Another method, or a path it has no answer for: the app's.
      expect((await get('/health/ready/self', 'POST')).headers.get('x-from-main')).toBe('yes');
      const live = await get('/health/live');
      // The stand-in's bare answer (it writes no X-Request-Id), which does not reach `seen`.
      expect([live.status, live.headers.get('x-request-id'), await live.text()]).toEqual([
        200,
        null,
        '{"status":"live"}',
      ]);
      expect(seen.length - seenBefore).toBe(1); // the POST

      // Reported for the metrics, with their status.
      const probes = () => refusals.flatMap((r) => r.probes);
      await waitFor(() => probes().length >= 2, { what: 'the probes reported' });
      expect(probes()).toContainEqual(expect.objectContaining({ path: '/health/ready', status: 503 }));

      // The main thread publishes nothing for longer than the copy is kept: its loop is stuck, and a
      // probe waits for it as any request would.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const stale = await get('/health/ready/self');
      expect(stale.headers.get('x-from-main')).toBe('yes');
    } finally {
      await probing.stopAccepting();
      await probing.terminate();
    }
  });

  it('pipes an upgrade both ways', async () => {
    const socket = net.connect(door.port, '127.0.0.1');
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'GET /socket.io/?EIO=4 HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n',
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      await waitFor(() => received.includes('\r\n\r\n'), { what: 'the upgrade answered' });
      expect(received).toMatch(/^HTTP\/1\.1 101/);
      expect(received).toContain('X-Forwarded-For-Seen: 127.0.0.1');
      socket.write('ping');
      await waitFor(() => received.endsWith('ping'), { what: 'the echo' });
    } finally {
      // Left open, the piped connection would hold the stand-in's close.
      socket.destroy();
    }
  });

  // Last: the thread accepts nothing after it.
  it('is drained once every visitor message it admitted is answered, after it stops accepting', async () => {
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const held = call('POST', '/v1/visitor/messages');
    await waitFor(() => seen.length === 1, { what: 'the message handed on' });
    await door.stopAccepting();
    let drained = false;
    const draining = door.drained().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drained).toBe(false);
    release();
    expect((await held).status).toBe(201);
    await draining;
  });
});

describe('the door view in one word', () => {
  it('carries every field of one publication whole', () => {
    const views = [
      { shut: false, reason: 'overloaded', bound: 100, retryAfterSeconds: 1 },
      { shut: true, reason: 'desks-behind', bound: 1, retryAfterSeconds: 10 },
      { shut: true, reason: 'overloaded', bound: 1_000_000, retryAfterSeconds: 30 },
      { shut: false, reason: 'desks-behind', bound: 256, retryAfterSeconds: 0 },
    ] as const;
    for (const view of views) expect(unpackDoorView(packDoorView(view))).toEqual(view);
  });

  it("carries the retries' bound and whether they are shut in a word of their own", () => {
    for (const view of [
      { retryBound: 16, retriesShut: false },
      { retryBound: 1_048_575, retriesShut: true },
      { retryBound: 0, retriesShut: true },
    ])
      expect(unpackRetryView(packRetryView(view))).toEqual(view);
    expect(unpackRetryView(packRetryView({ retryBound: 5_000_000, retriesShut: false }))).toEqual({
      retryBound: 1_048_575,
      retriesShut: false,
    });
  });

  it('clamps what does not fit its bits rather than spilling into the next field', () => {
    const word = packDoorView({ shut: false, reason: 'overloaded', bound: 5_000_000, retryAfterSeconds: 99 });
    expect(unpackDoorView(word)).toEqual({
      shut: false,
      reason: 'overloaded',
      bound: 1_048_575,
      retryAfterSeconds: 63,
    });
  });
});
