import { io, Socket } from 'socket.io-client';
import { waitFor } from '@pupitre/shared/testing';
import { expectError } from './support/expectations';
import { factory } from './support/factories';
import type { Res } from './support/http';
import type { Ack } from './support/sockets';
import { startSystem, System } from './support/system';

const REGISTRATIONS_PER_MINUTE = 3;
const MESSAGES_BURST = 5;
const SOCKET_EVENTS_BURST = 10;
const AGENT_COMMANDS_BURST = 20;
const STATUS_BURST = 3;
const CONNECTIONS_PER_AGENT = 3;
const CONNECTIONS_PER_ADDRESS = 10;
const CONNECTIONS_PER_MINUTE = 40;
const MAX_PAYLOAD = 16_384;

/** What a token bucket may let through in `ms`: its burst, plus what it refilled at 1 a second. */
const atMost = (burst: number, sinceMs: number) => burst + Math.ceil((Date.now() - sinceMs) / 1000);

type RefusedAck = Ack & { error?: { retryAfterSeconds?: number } };

/**
 * Floods (issue 8): every limit of the gateway, low, in one system behind a trusted proxy (TRUST_PROXY
 * = loopback, so each test can be its own client address with X-Forwarded-For). Rates are 1 a second,
 * so counts allow for what refilled while a test ran.
 */
describe('rate and socket limits (e2e)', () => {
  let sut: System;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    sut = await startSystem({
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_VISITORS_PER_MINUTE: String(REGISTRATIONS_PER_MINUTE),
      RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND: '1',
      RATE_LIMIT_VISITOR_MESSAGES_BURST: String(MESSAGES_BURST),
      RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: '1',
      RATE_LIMIT_SOCKET_EVENTS_BURST: String(SOCKET_EVENTS_BURST),
      RATE_LIMIT_AGENT_COMMANDS_PER_SECOND: '1',
      RATE_LIMIT_AGENT_COMMANDS_BURST: String(AGENT_COMMANDS_BURST),
      RATE_LIMIT_AGENT_STATUS_PER_SECOND: '1',
      RATE_LIMIT_AGENT_STATUS_BURST: String(STATUS_BURST),
      SOCKET_MAX_CONNECTIONS_PER_AGENT: String(CONNECTIONS_PER_AGENT),
      SOCKET_MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS_PER_ADDRESS),
      SOCKET_CONNECTIONS_PER_MINUTE_PER_ADDRESS: String(CONNECTIONS_PER_MINUTE),
      SOCKET_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
      SOCKET_PING_INTERVAL_MS: '7000',
      SOCKET_PING_TIMEOUT_MS: '6000',
    });
  });
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await sut.reset();
  });
  afterAll(() => sut?.stop());

  /** A raw socket from client address `from` (X-Forwarded-For through the trusted loopback proxy). */
  const connect = (namespace: '/desk' | '/visitor', token: string, from: string) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(sut.url + namespace, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { 'x-forwarded-for': from },
      });
      sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err: Error & { data?: unknown }) => {
        socket.close();
        reject(Object.assign(new Error(err.message), { data: err.data }));
      });
    });

  /** A visitor's token, registered from client address `from` (sut.visitor's share 127.0.0.1's small budget). */
  const visitorToken = async (from: string) => {
    const res = await sut.http<{ token: string }>('POST', '/v1/visitors', {
      body: factory.visitor('web_chat'),
      headers: { 'x-forwarded-for': from },
    });
    expect(res.status).toBe(201);
    return res.body.token;
  };

  const expectRateLimited = (ack: RefusedAck) => {
    expect(ack).toEqual({
      ok: false,
      error: {
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/\S/),
        retryAfterSeconds: expect.any(Number),
      },
    });
    expect(ack.error!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  };

  const expectRetryAfter = (res: Res) => {
    expectError(res, 429, 'RATE_LIMITED');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  };

  it('POST /v1/visitors: per client address, X-Forwarded-For honoured from the trusted proxy; other routes are not limited', async () => {
    const register = (from: string) =>
      sut.http('POST', '/v1/visitors', {
        body: factory.visitor('web_chat'),
        headers: { 'x-forwarded-for': from },
      });

    // A burst, all at once, from one address: exactly the limit gets through.
    const burst = await Promise.all(
      Array.from({ length: REGISTRATIONS_PER_MINUTE + 2 }, () => register('203.0.113.1')),
    );

    expect(burst.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429]);
    expectRetryAfter(burst.find((r) => r.status === 429)!);
    // Another client behind the same proxy has its own budget.
    expect((await register('203.0.113.2')).status).toBe(201);
    // Bad input is still refused as bad input, or as limited: never a 500.
    const bad = await sut.http('POST', '/v1/visitors', {
      body: { channel: 'sms' },
      headers: { 'x-forwarded-for': '203.0.113.1' },
    });
    expect([400, 429]).toContain(bad.status);

    // Registered visitors keep working: registration's limit is not theirs.
    const registered = burst.find((r) => r.status === 201)!.body as { token: string };
    const posted = await sut.http('POST', '/v1/visitor/messages', {
      token: registered.token,
      body: { text: 'hello', clientMessageId: 'm1' },
    });
    expect(posted.status).toBe(201);
    expect((await sut.http('GET', '/v1/visitor/conversations', { token: registered.token })).status).toBe(
      200,
    );
  });

  it('POST /v1/visitor/messages: per visitor, 429 RATE_LIMITED with Retry-After past the burst; another visitor is not slowed', async () => {
    const flooder = await sut.visitor('web_chat');
    const other = await sut.visitor('web_chat');

    const since = Date.now();
    const flood = await Promise.all(Array.from({ length: 15 }, (_, i) => flooder.post(`flood ${i}`)));

    const accepted = flood.filter((r) => r.status === 201).length;
    expect(accepted).toBeGreaterThanOrEqual(MESSAGES_BURST);
    expect(accepted).toBeLessThanOrEqual(atMost(MESSAGES_BURST, since));
    expect(flood.filter((r) => r.status !== 201).every((r) => r.status === 429)).toBe(true);
    expectRetryAfter(flood.find((r) => r.status === 429)!);
    // Only what was accepted was stored.
    const [conversation] = await flooder.conversations();
    const stored = await flooder.messages(conversation.id, { limit: 50 });
    expect(stored.body.items).toHaveLength(accepted);
    expect((await other.post('not slowed')).status).toBe(201);
  });

  it("PUT and DELETE /v1/visitor/push-token: counted with the visitor's writes, 429 with Retry-After past the burst", async () => {
    // Registered from addresses of their own: 127.0.0.1's registrations are spent by the tests above.
    const flooder = { token: await visitorToken('198.51.100.21') };
    const other = { token: await visitorToken('198.51.100.22') };
    const put = (token: string, i: number) =>
      sut.http('PUT', '/v1/visitor/push-token', { token, body: { platform: 'ios', token: `apns-${i}` } });

    const since = Date.now();
    const flood = await Promise.all(
      Array.from({ length: MESSAGES_BURST + 10 }, (_, i) =>
        i % 2
          ? sut.http('DELETE', '/v1/visitor/push-token', { token: flooder.token })
          : put(flooder.token, i),
      ),
    );

    const accepted = flood.filter((r) => r.status === 204).length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(atMost(MESSAGES_BURST, since));
    expect(flood.filter((r) => r.status !== 204).every((r) => r.status === 429)).toBe(true);
    expectRetryAfter(flood.find((r) => r.status === 429)!);
    // Another visitor has their own budget.
    expect((await put(other.token, 0)).status).toBe(204);
  });

  it("token refreshes: a visitor's count with their writes, an agent's with their desk commands", async () => {
    const visitor = { token: await visitorToken('198.51.100.23') };
    const agent = await sut.admin.createAgent();
    const since = Date.now();
    const [visitorRefreshes, agentRefreshes] = await Promise.all([
      Promise.all(
        Array.from({ length: MESSAGES_BURST + 5 }, () =>
          sut.http('POST', '/v1/visitor/token', { token: visitor.token }),
        ),
      ),
      Promise.all(
        Array.from({ length: AGENT_COMMANDS_BURST + 5 }, () =>
          sut.http('POST', '/v1/agent/token', { token: agent.token }),
        ),
      ),
    ]);

    for (const [answers, burst] of [
      [visitorRefreshes, MESSAGES_BURST],
      [agentRefreshes, AGENT_COMMANDS_BURST],
    ] as const) {
      const renewed = answers.filter((r) => r.status === 201).length;
      expect(renewed).toBeGreaterThanOrEqual(1);
      expect(renewed).toBeLessThanOrEqual(atMost(burst, since));
      expect(answers.filter((r) => r.status !== 201).every((r) => r.status === 429)).toBe(true);
      expectRetryAfter(answers.find((r) => r.status === 429)!);
    }
  });

  it('desk commands: per socket, refused with the contract ack RATE_LIMITED (with retryAfterSeconds); a new socket has its own budget', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const since = Date.now();
    // A malformed close: cheap to answer (VALIDATION_FAILED) but counted like any command.
    const acks = (await Promise.all(
      Array.from({ length: 15 }, () => desk.ask('conversation.close', {})),
    )) as RefusedAck[];

    const answered = acks.filter((a) => a.error?.code === 'VALIDATION_FAILED').length;
    const refused = acks.filter((a) => a.error?.code === 'RATE_LIMITED');
    expect(answered + refused.length).toBe(15);
    expect(answered).toBeLessThanOrEqual(atMost(SOCKET_EVENTS_BURST, since));
    expect(refused.length).toBeGreaterThan(0);
    expectRateLimited(refused[0]);
    // The socket stays open, and another desk of the same agent is not refused for this one's flood.
    expect(desk.connected).toBe(true);
    desk.close();
    const second = await sut.desk(agent.token);
    expect((await second.ask('conversation.close', {})).error?.code).toBe('VALIDATION_FAILED');
  });

  it('desk commands: per agent across their sockets', async () => {
    const agent = await sut.admin.createAgent();
    const desks = [await sut.desk(agent.token), await sut.desk(agent.token), await sut.desk(agent.token)];
    const since = Date.now();
    // Each socket stays under its own limit; together they pass the agent's.
    const acks = (
      await Promise.all(
        desks.flatMap((d) =>
          Array.from({ length: SOCKET_EVENTS_BURST - 1 }, () => d.ask('conversation.close', {})),
        ),
      )
    ).flat() as RefusedAck[];

    const answered = acks.filter((a) => a.error?.code === 'VALIDATION_FAILED').length;
    const refused = acks.filter((a) => a.error?.code === 'RATE_LIMITED');
    expect(answered).toBeLessThanOrEqual(atMost(AGENT_COMMANDS_BURST, since));
    expect(refused.length).toBeGreaterThan(0);
    expectRateLimited(refused[0]);
  });

  it('agent.status: limited per socket, tighter than other commands', async () => {
    const { desk } = await sut.agentAtDesk();
    const since = Date.now();
    // Fewer than the socket's own limit, more than agent.status's.
    const acks = (await Promise.all(
      Array.from({ length: SOCKET_EVENTS_BURST - 2 }, (_, i) =>
        desk.ask('agent.status', { status: i % 2 ? 'available' : 'away' }),
      ),
    )) as RefusedAck[];

    const applied = acks.filter((a) => a.ok).length;
    const refused = acks.filter((a) => a.error?.code === 'RATE_LIMITED');
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThanOrEqual(atMost(STATUS_BURST, since));
    expect(applied + refused.length).toBe(SOCKET_EVENTS_BURST - 2);
    expectRateLimited(refused[0]);
    // Other commands still pass on that socket.
    expect((await desk.ask('conversation.close', {})).error?.code).toBe('VALIDATION_FAILED');
  });

  it('connections: at most SOCKET_MAX_CONNECTIONS_PER_AGENT desks per agent; a closed one makes room', async () => {
    const agent = await sut.admin.createAgent();
    const open: Socket[] = [];
    for (let i = 0; i < CONNECTIONS_PER_AGENT; i++)
      open.push(await connect('/desk', agent.token, '192.0.2.10'));

    const refused = await connect('/desk', agent.token, '192.0.2.11').then(
      () => null,
      (err: Error & { data?: unknown }) => err,
    );

    expect(refused?.message).toBe('RATE_LIMITED');
    expect(refused?.data).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/\S/) });
    open[0].close();
    await waitFor(
      () =>
        connect('/desk', agent.token, '192.0.2.12').then(
          () => true,
          () => false,
        ),
      {
        what: 'a desk once another closed',
      },
    );
  });

  it('connections: at most SOCKET_MAX_CONNECTIONS_PER_ADDRESS open per client address, over both namespaces', async () => {
    const token = await visitorToken('198.51.100.1');
    const open: Socket[] = [];
    for (let i = 0; i < CONNECTIONS_PER_ADDRESS; i++)
      open.push(await connect('/visitor', token, '192.0.2.20'));

    await expect(connect('/visitor', token, '192.0.2.20')).rejects.toMatchObject({
      message: 'RATE_LIMITED',
      data: { code: 'RATE_LIMITED' },
    });
    // Another address is not affected.
    await connect('/visitor', token, '192.0.2.21');
    open[0].close();
    await waitFor(
      () =>
        connect('/visitor', token, '192.0.2.20').then(
          () => true,
          () => false,
        ),
      {
        what: 'a connection once another closed',
      },
    );
  });

  it('connections: at most SOCKET_CONNECTIONS_PER_MINUTE_PER_ADDRESS new ones per client address', async () => {
    const token = await visitorToken('198.51.100.2');
    let refused: (Error & { data?: { code?: string; retryAfterSeconds?: number } }) | null = null;
    // Twice the burst: a slow machine refills a few while the loop runs.
    for (let i = 0; i <= 2 * CONNECTIONS_PER_MINUTE && !refused; i++) {
      await connect('/visitor', token, '192.0.2.30').then(
        (s) => s.close(),
        (err: Error & { data?: { code?: string } }) => {
          refused = err;
        },
      );
    }

    expect(refused).toMatchObject({ message: 'RATE_LIMITED', data: { code: 'RATE_LIMITED' } });
    expect(refused!.data!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('socket events on /visitor are limited per socket too; an ack, if asked, says RATE_LIMITED', async () => {
    const token = await visitorToken('198.51.100.3');
    const socket = await connect('/visitor', token, '192.0.2.40');
    // No event of the visitor's socket is answered: only refusals come back.
    const answers = await Promise.allSettled(
      Array.from({ length: SOCKET_EVENTS_BURST + 5 }, () => socket.timeout(2000).emitWithAck('anything', {})),
    );

    const refused = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value as RefusedAck] : []));
    expect(refused.length).toBeGreaterThan(0);
    expectRateLimited(refused[0]);
    expect(socket.connected).toBe(true);
  });

  it('a message larger than SOCKET_MAX_PAYLOAD_BYTES ends the connection; pings as configured', async () => {
    const token = await visitorToken('198.51.100.4');
    const socket = await connect('/visitor', token, '192.0.2.50');
    // What the server announced in its handshake (engine.io-client keeps it in private fields).
    const engine = socket.io.engine as unknown as Record<string, unknown>;
    expect([engine._pingInterval, engine._pingTimeout, engine._maxPayload]).toEqual([
      7000,
      6000,
      MAX_PAYLOAD,
    ]);

    socket.emit('anything', { text: 'x'.repeat(MAX_PAYLOAD + 1024) });

    await waitFor(() => !socket.connected, { what: 'the oversized socket closed' });
  });

  it('GET /health/ready is answered from memory: a burst of probes all get 200, none limited', async () => {
    const probes = await Promise.all(Array.from({ length: 200 }, () => sut.http('GET', '/health/ready')));
    expect(probes.every((r) => r.status === 200)).toBe(true);
  });
});
