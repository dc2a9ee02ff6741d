import express from 'express';
import http from 'node:http';
import { ownBytes, serveHopped, type HopAnswer, type HopRequest } from './door-hop';

/** A real Express app on a server that never listens: what the door thread hands over is served in memory. */
function appServer(configure: (app: express.Express) => void): http.Server {
  const app = express();
  app.set('trust proxy', (_addr: string, hop: number) => hop === 0);
  app.use(express.json({ limit: 64 }));
  configure(app);
  return http.createServer(app);
}

const serve = (server: http.Server, request: Partial<HopRequest> & { body?: Uint8Array }) =>
  new Promise<HopAnswer & { text: string }>((resolve) =>
    serveHopped(
      server,
      { id: 7, method: 'POST', url: '/v1/visitor/messages', headers: {}, body: new Uint8Array(), ...request },
      (a) => resolve({ ...a, text: Buffer.from(a.body).toString() }),
    ),
  );

const json = (value: unknown) => {
  const body = Buffer.from(JSON.stringify(value));
  return {
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    body: new Uint8Array(body),
  };
};

describe('serving a handed-over request in memory', () => {
  it('runs the app on its head and body, and hands back its status, headers and body whole', async () => {
    const server = appServer((app) =>
      app.post('/v1/visitor/messages', (req, res) => {
        res.setHeader('X-Request-Id', 'r-1');
        res.status(201).json({ text: (req.body as { text: string }).text, ip: req.ip, query: req.query });
      }),
    );
    const { headers, body } = json({ text: 'hé' });
    const answer = await serve(server, {
      url: '/v1/visitor/messages?a=1',
      headers: { ...headers, 'x-forwarded-for': '203.0.113.9' },
      body,
    });
    expect(answer).toMatchObject({ id: 7, status: 201, statusMessage: 'Created' });
    expect(answer.headers).toMatchObject({
      'x-request-id': 'r-1',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(answer.text)),
    });
    // The client behind the thread, as a trusted first hop says.
    expect(JSON.parse(answer.text)).toEqual({ text: 'hé', ip: '203.0.113.9', query: { a: '1' } });
  });

  it("lets the app's body parser refuse what is too large (413) or broken (400)", async () => {
    const server = appServer((app) => {
      app.post('/v1/visitor/messages', (_req, res) => res.status(201).end());
      app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: unknown) =>
        res.status(err.status ?? 500).json({ status: err.status }),
      );
    });
    expect((await serve(server, json({ text: 'x'.repeat(100) }))).status).toBe(413);
    const broken = new Uint8Array(Buffer.from('{"text":'));
    const answer = await serve(server, {
      headers: { 'content-type': 'application/json', 'content-length': String(broken.length) },
      body: broken,
    });
    expect(answer.status).toBe(400);
  });

  it('keeps what writeHead, write and end give, in order, and ends the response as a socket would', async () => {
    const events: string[] = [];
    const server = http.createServer((_req, res) => {
      res.on('finish', () => events.push('finish'));
      res.on('close', () => events.push('close'));
      res.setHeader('X-Before', 'yes');
      res.writeHead(202, 'Taken', { 'Content-Type': 'text/plain', 'X-Given': ['a', 'b'] });
      res.write('one, ');
      res.write(Buffer.from('two, '));
      res.end('three', () => events.push('ended'));
    });
    const answer = await serve(server, { method: 'GET', url: '/x' });
    expect(answer).toMatchObject({ status: 202, statusMessage: 'Taken', text: 'one, two, three' });
    expect(answer.headers).toMatchObject({
      'x-before': 'yes',
      'content-type': 'text/plain',
      'x-given': ['a', 'b'],
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toEqual(['ended', 'finish', 'close']);
  });

  it('answers status 0 when the app destroys the response before it ends, as a reset connection', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200);
      res.write('half');
      res.destroy();
    });
    const answer = await serve(server, { method: 'GET', url: '/' });
    expect(answer).toMatchObject({ status: 0, text: '' });
  });

  it('answers status 0 when a request listener throws, and throws on', async () => {
    const server = http.createServer(() => {
      throw new Error('a listener failed');
    });
    const answers: HopAnswer[] = [];
    expect(() =>
      serveHopped(server, { id: 1, method: 'GET', url: '/', headers: {}, body: new Uint8Array() }, (a) =>
        answers.push(a),
      ),
    ).toThrow('a listener failed');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answers.map((a) => a.status)).toEqual([0]);
  });

  it('answers once, with what the app wrote before it ended, and nothing after', async () => {
    const server = http.createServer((_req, res) => {
      res.end('done');
      res.end('again');
    });
    const answers: HopAnswer[] = [];
    serveHopped(server, { id: 1, method: 'GET', url: '/', headers: {}, body: new Uint8Array() }, (a) =>
      answers.push(a),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answers.map((a) => Buffer.from(a.body).toString())).toEqual(['done']);
  });
});

describe(ownBytes.name, () => {
  it('joins the chunks, at most `limit` bytes, into a buffer of its own, exactly their size', () => {
    const pooled = Buffer.from('abc'); // a slice of Node's shared pool
    const bytes = ownBytes([pooled, Buffer.from('defgh')], 6);
    expect(Buffer.from(bytes).toString()).toBe('abcdef');
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(6);
    expect(ownBytes([pooled]).buffer.byteLength).toBe(3);
    expect(ownBytes([]).length).toBe(0);
  });
});
