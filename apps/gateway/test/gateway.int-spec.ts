import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import { io, Socket } from 'socket.io-client';
import {
  AgentView,
  CONVERSATION_EVENTS,
  ConversationView,
  envelope,
  GATEWAY_REPLIES,
  KafkaEnv,
  kafkaClientConfig,
  kafkaEnvSchema,
  KafkaProducer,
  parseEnv,
  prefixed,
  requestTopic,
  ROUTING_EVENTS,
  SERVICE_HEARTBEATS,
  SERVICES,
} from '@pupitre/shared';
import { isolatedTestEnv, waitFor } from '@pupitre/shared/testing';
import { startGateway } from '../src/main';

type Reply = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } };
/** null: no answer (routing applied it, but its reply was lost or came too late). */
type Handler = (data: Record<string, unknown>) => Reply | null;
const ok = (data: unknown): Reply => ({ ok: true, data });
const refuse = (code: string, message = code.toLowerCase()): Reply => ({
  ok: false,
  error: { code, message },
});

/** Stands in for conversation, routing and billing: answers the gateway's requests with canned replies. */
class FakeServices {
  readonly requests: { service: string; op: string; key: string | null; data: Record<string, unknown> }[] =
    [];
  readonly handlers = new Map<string, Handler>();
  private readonly producer: KafkaProducer;
  private readonly consumer: Consumer;

  constructor(private readonly env: KafkaEnv) {
    this.producer = new KafkaProducer(env, 'fake-services');
    this.consumer = new Kafka(kafkaClientConfig(env, 'fake-services')).consumer({
      groupId: prefixed(env, 'fake-services'),
      maxWaitTimeInMs: 100,
    });
  }

  on(service: string, op: string, handler: Handler): void {
    this.handlers.set(`${service} ${op}`, handler);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: SERVICES.map((s) => prefixed(this.env, requestTopic(s))),
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const service = topic.slice(this.env.KAFKA_TOPIC_PREFIX.length).split('.')[0];
        const req = JSON.parse(String(message.value));
        this.requests.push({ service, op: req.op, key: message.key?.toString() ?? null, data: req.data });
        const reply = (this.handlers.get(`${service} ${req.op}`) ?? (() => ok({})))(req.data);
        if (reply === null) return;
        const value = JSON.stringify({ requestId: req.requestId, replyKey: req.replyKey, ...reply });
        await this.producer.send(GATEWAY_REPLIES, [{ key: req.replyKey, value }]);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  last(op: string) {
    return this.requests.filter((r) => r.op === op).pop();
  }

  publish(topic: string, key: string, event: unknown): Promise<void> {
    return this.producer.send(topic, [{ key, value: JSON.stringify(event) }]);
  }
}

const ADMIN_TOKEN = 'gateway-int-admin-token';
const agentId = randomUUID();
const conversationId = randomUUID();
const slots = { chat: { used: 0, capacity: 3 }, mobile: { used: 1, capacity: 2 } };
const agent: AgentView = {
  id: agentId,
  name: 'Ana',
  chatCapacity: 3,
  mobileCapacity: 2,
  status: 'available',
  slots,
};
const viewOf = (visitorId: string): ConversationView => ({
  id: conversationId,
  channel: 'mobile_app',
  status: 'queued',
  visitor: { id: visitorId, name: null, platform: 'ios', blocked: false },
  tags: [],
  messages: [],
  assignedAt: null,
  deadlines: {},
  capabilities: {
    cannedResponses: true,
    block: true,
    emoji: true,
    tags: true,
    attachments: false,
    offersAndLinks: false,
    mirroring: false,
    navigationControl: false,
    transfer: false,
  },
});

/** A gateway's environment on its own database and topic prefix, with `extra` settings. */
async function gatewayVars(name: string, extra: Record<string, string>) {
  const env = await isolatedTestEnv(name);
  return {
    ...process.env,
    ...env.vars,
    PORT: '0',
    ADMIN_TOKEN,
    JWT_SECRET: `${name}-int-jwt-secret`,
    GATEWAY_INSTANCE_ID: `gw-${randomUUID().slice(0, 8)}`,
    ...extra,
  };
}

/** The gateway alone on a real broker, the services faked: its HTTP, socket and fan-out edges. */
describe('gateway edges', () => {
  let fake: FakeServices;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let url: string;
  let tokenVersion = 1;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const vars = await gatewayVars('gateway', {
      RATE_LIMIT_VISITORS_PER_MINUTE: '3',
      DESK_INSTANCE_HEARTBEAT_MS: '200',
    });
    fake = new FakeServices(parseEnv(kafkaEnvSchema, vars));
    fake.on('routing', 'agent.create', (d) => ok({ ...agent, id: d.agentId, name: d.name, tokenVersion }));
    fake.on('routing', 'agent.list', () => ok([{ ...agent, tokenVersion: 7 }]));
    fake.on('routing', 'agent.update', (d) =>
      d.agentId === agentId ? ok({ ...agent, ...d, id: agentId }) : refuse('NOT_FOUND'),
    );
    fake.on('routing', 'agent.rotate-token', () => ok({ tokenVersion: ++tokenVersion }));
    fake.on('routing', 'desk.connect', (d) =>
      d.tokenVersion === tokenVersion ? ok(agent) : refuse('UNAUTHENTICATED'),
    );
    fake.on('routing', 'agent.get', (d) => ok({ ...agent, id: d.agentId }));
    fake.on('routing', 'desk.instance-alive', () => ok({ known: true }));
    fake.on('routing', 'agent.desk', (d) => ok({ agent: { ...agent, id: d.agentId }, held: [] }));
    fake.on('routing', 'conversation.transfer', () => refuse('FEATURE_UNAVAILABLE_ON_CHANNEL'));
    fake.on('conversation', 'system.ping', () => ok({ service: 'conversation' }));
    fake.on('routing', 'system.ping', () => ok({ service: 'routing' }));
    fake.on('billing', 'system.ping', () => refuse('INTERNAL'));
    fake.on('conversation', 'visitor.register', (d) => ok({ visitorId: d.visitorId }));
    fake.on('conversation', 'visitor.post-message', (d) =>
      d.text === 'blocked'
        ? refuse('VISITOR_BLOCKED')
        : ok({ conversationId, messageId: randomUUID(), createdAt: new Date().toISOString() }),
    );
    fake.on('conversation', 'visitor.list-messages', () => ok({ items: [] }));
    fake.on('conversation', 'conversation.views', () => ok([]));
    fake.on('conversation', 'conversation.view', () => ok(viewOf(randomUUID())));
    fake.on('conversation', 'canned.list', () => ok([{ id: randomUUID(), title: 'Hello', text: 'Hello!' }]));
    fake.on('conversation', 'agent.tag', (d) => ok({ tags: [d.tag] }));
    fake.on('billing', 'remunerations.list', () =>
      ok({ items: [], total: { amountMinor: 0, currency: 'EUR' } }),
    );
    await fake.start();
    gateway = await startGateway(vars);
    url = gateway.url;
    await waitFor(() => gateway.server.isConsuming(), { what: 'the gateway consuming' });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await gateway?.app.close();
    await fake?.stop();
  });

  const http = async (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => {
    const res = await fetch(url + path, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  };
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    http(path, {
      method: init.method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const connect = (namespace: string, token: unknown) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(url + namespace, { auth: { token }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      socket.on('connect', () => resolve(socket));
      socket.on('connect_error', (err: Error & { data?: { code: string } }) =>
        reject(Object.assign(err, { code: err.data?.code })),
      );
    });
  const registerVisitor = async () => {
    const res = await http('/v1/visitors', {
      method: 'POST',
      body: JSON.stringify({ channel: 'mobile_app', platform: 'ios' }),
    });
    expect(res.status).toBe(201);
    return res.body as { visitorId: string; token: string };
  };

  it('readiness names what is down: the services whose heartbeats stopped', async () => {
    expect((await http('/health/live')).status).toBe(200);
    // conversation and routing beat (service.heartbeats); billing never does.
    const beat = () =>
      Promise.all(
        ['conversation', 'routing'].map((service) =>
          fake.publish(SERVICE_HEARTBEATS, service, {
            service,
            instance: 'fake',
            sentAt: new Date().toISOString(),
            intervalMs: 500,
          }),
        ),
      );
    const beating = setInterval(() => void beat().catch(() => undefined), 500);
    const ready = await waitFor(async () => {
      const r = await http('/health/ready');
      return r.body.services?.routing === 'up' && r.body.services?.conversation === 'up' ? r : false;
    }).finally(() => clearInterval(beating));
    expect(ready).toEqual({
      status: 503,
      body: {
        error: { code: 'UNAVAILABLE', message: 'not ready: billing' },
        services: { gateway: 'up', conversation: 'up', routing: 'up', billing: 'down' },
      },
    });
  });

  it('answers every error in the contract shape, never a 500 for bad input', async () => {
    expect(await http('/nope')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await http('/v1/admin/agents')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(await http('/v1/admin/agents', { headers: { authorization: 'Bearer wrong' } })).toMatchObject({
      status: 401,
    });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect(await http('/v1/admin/agents', { method: 'POST', headers: auth, body: '{"name":' })).toMatchObject(
      { status: 400, body: { error: { code: 'VALIDATION_FAILED' } } },
    );
    expect(await http('/v1/admin/agents', { method: 'POST', headers: auth, body: '"text"' })).toMatchObject({
      status: 400,
    });
    expect(await http('/v1/admin/agents', { method: 'POST', headers: auth })).toMatchObject({ status: 400 });
    expect(
      await http('/v1/admin/agents/%E0%A4%A', { method: 'PATCH', headers: auth, body: '{}' }),
    ).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(
      await http('/v1/visitors', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=latin-9' },
        body: '{}',
      }),
    ).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const huge = JSON.stringify({ name: 'x'.repeat(70_000) });
    expect(await http('/v1/admin/agents', { method: 'POST', headers: auth, body: huge })).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
  });

  it('admin API: agents, tokens, canned responses, remunerations', async () => {
    const created = await admin('/v1/admin/agents', {
      method: 'POST',
      body: { name: 'Ana', chatCapacity: 4, extra: true },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual([
      'chatCapacity',
      'id',
      'mobileCapacity',
      'name',
      'token',
    ]);
    expect(fake.last('agent.create')).toMatchObject({
      key: created.body.id,
      data: { name: 'Ana', chatCapacity: 4 },
    });
    expect(
      await admin('/v1/admin/agents', { method: 'POST', body: { name: 'Ana', mobileCapacity: 2 } }),
    ).toMatchObject({ status: 422, body: { error: { code: 'MOBILE_CAPACITY_FIXED' } } });
    const list = await admin('/v1/admin/agents');
    expect(list).toMatchObject({ status: 200, body: [{ id: agentId, status: 'available', slots }] });
    expect(list.body[0].tokenVersion).toBeUndefined();
    expect(await admin('/v1/admin/agents/not-a-uuid', { method: 'PATCH', body: {} })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(
      await admin(`/v1/admin/agents/${randomUUID()}`, { method: 'PATCH', body: { name: 'B' } }),
    ).toMatchObject({ status: 404 });
    expect(
      await admin(`/v1/admin/agents/${agentId}`, { method: 'PATCH', body: { mobileCapacity: 3 } }),
    ).toMatchObject({ status: 422 });
    expect(
      await admin(`/v1/admin/agents/${agentId}`, { method: 'PATCH', body: { chatCapacity: 5 } }),
    ).toMatchObject({ status: 200, body: { chatCapacity: 5 } });
    expect(await admin(`/v1/admin/agents/${agentId}/token`, { method: 'POST' })).toMatchObject({
      status: 201,
      body: { token: expect.any(String) },
    });
    expect(await admin(`/v1/admin/canned-responses/${randomUUID()}`, { method: 'DELETE' })).toEqual({
      status: 204,
      body: '',
    });
    expect(await admin('/v1/admin/remunerations?from=2025-01-01&to=soon')).toMatchObject({ status: 400 });
    expect(await admin(`/v1/admin/remunerations?agentId=${agentId}&from=2025-01-01`)).toMatchObject({
      status: 200,
      body: { items: [] },
    });
    expect(fake.last('remunerations.list')?.data).toEqual({
      agentId,
      from: '2025-01-01T00:00:00.000Z',
      to: null,
    });
  });

  it('SDK API: register (rate limited), write, read', async () => {
    const { visitorId, token } = await registerVisitor();
    const auth = { authorization: `Bearer ${token}` };
    const post = (body: unknown) =>
      http('/v1/visitor/messages', { method: 'POST', headers: auth, body: JSON.stringify(body) });
    expect(await post({ text: ' hi 👋🏽 ', clientMessageId: 'c1' })).toMatchObject({
      status: 201,
      body: { conversationId },
    });
    expect(fake.last('visitor.post-message')).toMatchObject({
      key: visitorId,
      data: { visitorId, text: ' hi 👋🏽 ' },
    });
    expect(await post({ text: 'blocked', clientMessageId: 'c2' })).toMatchObject({
      status: 403,
      body: { error: { code: 'VISITOR_BLOCKED' } },
    });
    expect(await post({ text: '  ', clientMessageId: 'c3' })).toMatchObject({ status: 400 });
    expect(
      await http(`/v1/visitor/conversations/${conversationId}/messages?limit=0`, { headers: auth }),
    ).toMatchObject({ status: 400 });
    expect(await http('/v1/visitor/conversations/xyz/messages', { headers: auth })).toMatchObject({
      status: 404,
    });
    expect(
      await http(`/v1/visitor/conversations/${conversationId}/messages`, { headers: auth }),
    ).toMatchObject({ status: 200 });
    expect(fake.last('visitor.list-messages')?.data).toEqual({
      visitorId,
      conversationId,
      after: null,
      limit: 50,
    });
    const agentToken = (await admin('/v1/admin/agents', { method: 'POST', body: { name: 'X' } })).body.token;
    expect(
      await http('/v1/visitor/conversations', { headers: { authorization: `Bearer ${agentToken}` } }),
    ).toMatchObject({ status: 401 });
    // RATE_LIMIT_VISITORS_PER_MINUTE=3, and one was registered above
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await http('/v1/visitors', { method: 'POST', body: '{"channel":"web_chat"}' })).status);
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('serves the desk page (built, under a strict CSP), the socket.io client and the API docs', async () => {
    const page = await http('/desk');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<script type="module" crossorigin src="\/desk\/assets\/desk-[\w-]+\.js">/);
    expect((await fetch(`${url}/socket.io/socket.io.js`)).status).toBe(200);
    expect((await http('/docs-json')).body.paths['/v1/admin/agents']).toBeDefined();
  });

  it('sockets: bad tokens fail the connection with UNAUTHENTICATED', async () => {
    const oldToken = (await admin(`/v1/admin/agents/${agentId}/token`, { method: 'POST' })).body.token;
    await admin(`/v1/admin/agents/${agentId}/token`, { method: 'POST' });
    const visitorToken = (await fetchVisitorToken()).token;
    await expect(connect('/visitor', 'garbage')).rejects.toMatchObject({
      message: 'UNAUTHENTICATED',
      code: 'UNAUTHENTICATED',
    });
    await expect(connect('/visitor', oldToken)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
    await expect(connect('/desk', visitorToken)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
    await expect(connect('/desk', oldToken)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' }); // replaced by rotation
  });

  // The rate limit is spent: sign visitor tokens through a fresh gateway-independent path.
  const fetchVisitorToken = async () => {
    const { TokenService } = await import('../src/auth/token.service');
    const { JwtService } = await import('@nestjs/jwt');
    const visitorId = randomUUID();
    return {
      visitorId,
      token: new TokenService(new JwtService({ secret: 'gateway-int-jwt-secret' }), {
        AGENT_TOKEN_TTL_MS: 3_600_000,
        VISITOR_TOKEN_TTL_MS: 691_200_000,
      }).signVisitor(visitorId, 'mobile_app'),
    };
  };

  it('visitor socket: presence reported to conversation before it is let in and when it leaves (refused when that fails); queue.changed → queue.updated and queuePosition', async () => {
    const { visitorId, token } = await fetchVisitorToken();
    const presence = () =>
      fake.requests
        .filter((r) => r.op === 'visitor.presence' && r.data.visitorId === visitorId)
        .map((r) => ({ key: r.key, sockets: r.data.sockets }));
    const socket = await connect('/visitor', token);
    expect(presence()).toEqual([{ key: visitorId, sockets: 1 }]); // before the client saw `connect`
    const heard: [string, unknown][] = [];
    socket.onAny((name, payload) => heard.push([name, payload]));

    const mine = randomUUID();
    const ahead = { conversationId: randomUUID(), visitorId: randomUUID() };
    const at = new Date();
    const snapshot = (version: number, queued: { conversationId: string; visitorId: string }[]) =>
      fake.publish(
        ROUTING_EVENTS,
        'mobile_app',
        envelope('queue.changed', { channel: 'mobile_app', version, queued, secondsPerAssignment: 20 }, at),
      );
    await snapshot(1, [ahead, { conversationId: mine, visitorId }]);
    await waitFor(() => heard.length >= 1, { what: 'queue.updated' });
    await snapshot(2, [{ conversationId: mine, visitorId }]);
    await waitFor(() => heard.length >= 2, { what: 'queue.updated, moved up' });
    expect(heard).toEqual([
      ['queue.updated', { conversationId: mine, position: 2, estimatedWaitSeconds: 40 }],
      ['queue.updated', { conversationId: mine, position: 1, estimatedWaitSeconds: 20 }],
    ]);
    fake.on('conversation', 'visitor.list-conversations', () =>
      ok([{ id: mine, channel: 'mobile_app', status: 'queued', createdAt: at.toISOString() }]),
    );
    const listed = await http('/v1/visitor/conversations', { headers: { authorization: `Bearer ${token}` } });
    expect(listed.body).toEqual([
      {
        id: mine,
        channel: 'mobile_app',
        status: 'queued',
        createdAt: at.toISOString(),
        queuePosition: 1,
        estimatedWaitSeconds: 20,
      },
    ]);

    socket.disconnect();
    await waitFor(() => presence().length === 2, { what: 'presence after the socket left' });
    expect(presence()[1]).toEqual({ key: visitorId, sockets: 0 });

    fake.on('conversation', 'visitor.presence', () => refuse('UNAVAILABLE'));
    try {
      await expect(connect('/visitor', token)).rejects.toMatchObject({ message: 'UNAVAILABLE' });
    } finally {
      fake.on('conversation', 'visitor.presence', () => ok({}));
    }
  });

  it('desk: state on connect, acknowledged commands, events fanned out to the right rooms', async () => {
    const token = (await admin(`/v1/admin/agents/${agentId}/token`, { method: 'POST' })).body.token;
    const { visitorId, token: visitorToken } = await fetchVisitorToken();
    const visitor = await connect('/visitor', visitorToken);
    const visitorHeard: [string, unknown][] = [];
    visitor.onAny((name, payload) => visitorHeard.push([name, payload]));

    const desk = io(`${url}/desk`, { auth: { token }, transports: ['websocket'], reconnection: false });
    sockets.push(desk);
    const deskHeard: [string, unknown][] = [];
    desk.onAny((name, payload) => deskHeard.push([name, payload]));
    await waitFor(() => deskHeard.some(([n]) => n === 'desk.state'), { what: 'desk.state' });
    expect(deskHeard[0]).toEqual([
      'desk.state',
      { agent: { id: agentId, name: 'Ana', status: 'available' }, slots, conversations: [] },
    ]);
    expect(fake.last('desk.connect')?.data).toMatchObject({ agentId, tokenVersion, connectionId: desk.id });

    expect(await desk.emitWithAck('agent.status', { status: 'gone' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await desk.emitWithAck('agent.status', { status: 'away' })).toEqual({ ok: true });
    expect(await desk.emitWithAck('canned.list', {})).toMatchObject({
      ok: true,
      items: [{ title: 'Hello' }],
    });
    expect(await desk.emitWithAck('conversation.tag.add', { conversationId, tag: 'vip' })).toEqual({
      ok: true,
      tags: ['vip'],
    });
    expect(fake.last('agent.tag')).toMatchObject({
      key: conversationId,
      data: { agentId, conversationId, tag: 'vip', action: 'add' },
    });
    expect(
      await desk.emitWithAck('conversation.transfer', { conversationId, toAgentId: randomUUID() }),
    ).toMatchObject({
      ok: false,
      error: { code: 'FEATURE_UNAVAILABLE_ON_CHANNEL' },
    });
    desk.emit('conversation.release', { conversationId }); // no ack callback: nothing breaks

    const at = new Date();
    const reassignAt = new Date(at.getTime() + 300_000).toISOString();
    // Slots first: the assignment then pushes the agent's last counts again (its desk may have joined
    // its room after they went out).
    await fake.publish(
      ROUTING_EVENTS,
      agentId,
      envelope('agent.slots-changed', { agentId, slots, version: 2 }, at),
    );
    await waitFor(() => deskHeard.some(([n]) => n === 'slots.updated'), { what: 'slots.updated' });
    // An older count after a newer one is dropped.
    await fake.publish(
      ROUTING_EVENTS,
      agentId,
      envelope('agent.slots-changed', { agentId, slots, version: 1 }, at),
    );
    await fake.publish(ROUTING_EVENTS, conversationId, envelope('a.future.event', {}, at));
    // Conversation's record of the assignment brings the conversation, whole, with no call-back.
    await fake.publish(
      CONVERSATION_EVENTS,
      conversationId,
      envelope(
        'conversation.assignment-recorded',
        {
          conversationId,
          visitorId,
          agentId,
          conversation: {
            ...viewOf(visitorId),
            status: 'assigned',
            assignedAt: at.toISOString(),
            deadlines: { reassignAt },
          },
        },
        at,
      ),
    );
    // Topics are not ordered with each other: as in real life, the message follows the assignment.
    await waitFor(() => deskHeard.some(([n]) => n === 'conversation.assigned'), {
      what: 'conversation.assigned',
    });
    const message = {
      id: randomUUID(),
      conversationId,
      author: { type: 'visitor', id: visitorId },
      text: 'yo',
      createdAt: at.toISOString(),
    };
    await fake.publish(
      CONVERSATION_EVENTS,
      conversationId,
      envelope('message.posted', { conversationId, visitorId, channel: 'mobile_app', message }, at),
    );

    await waitFor(() => deskHeard.length >= 5 && visitorHeard.length >= 1, { what: 'fanned-out events' });
    expect(
      deskHeard
        .slice(1)
        .map(([n]) => n)
        .sort(),
    ).toEqual(['conversation.assigned', 'message.created', 'slots.updated', 'slots.updated']); // the event's, and again with the assignment (not the older one)
    expect(
      (deskHeard.find(([n]) => n === 'conversation.assigned')![1] as { conversation: unknown }).conversation,
    ).toMatchObject({
      id: conversationId,
      status: 'assigned',
      assignedAt: at.toISOString(),
      deadlines: { reassignAt },
    });
    expect(deskHeard.find(([n]) => n === 'message.created')![1]).toEqual({ conversationId, message });
    expect(visitorHeard).toEqual([['message.created', { message }]]);

    await fake.publish(
      CONVERSATION_EVENTS,
      conversationId,
      envelope(
        'conversation.closed',
        {
          conversationId,
          visitorId,
          channel: 'mobile_app',
          reason: 'agent',
          closedAt: at.toISOString(),
          lastAgentMessage: null,
        },
        at,
      ),
    );
    await waitFor(() => deskHeard.some(([n]) => n === 'conversation.closed') && visitorHeard.length >= 2, {
      what: 'closed',
    });
    expect(visitorHeard[1]).toEqual(['conversation.closed', { conversationId, reason: 'agent' }]);

    // The desk left the conversation's room: a later message reaches the visitor only.
    const later = { ...message, id: randomUUID() };
    await fake.publish(
      CONVERSATION_EVENTS,
      conversationId,
      envelope('message.posted', { conversationId, visitorId, channel: 'mobile_app', message: later }, at),
    );
    await waitFor(() => visitorHeard.length >= 3, { what: 'the later message' });
    expect(deskHeard.filter(([n]) => n === 'message.created')).toHaveLength(1);

    desk.disconnect();
    await waitFor(() => fake.last('desk.disconnect')?.data.connectionId !== undefined, {
      what: 'desk.disconnect',
    });
    expect(fake.last('desk.disconnect')?.data).toMatchObject({ agentId });
  });

  it('desk: a desk.connect routing did not answer in time is withdrawn, so no ghost desk stays (issue 8)', async () => {
    const token = (await admin(`/v1/admin/agents/${agentId}/token`, { method: 'POST' })).body.token;
    const answer = fake.handlers.get('routing desk.connect')!;
    fake.on('routing', 'desk.connect', () => null); // recorded by routing; its answer never comes
    try {
      const desk = io(`${url}/desk`, { auth: { token }, transports: ['websocket'], reconnection: false });
      sockets.push(desk);
      const refused = await new Promise<Error>((resolve) => desk.on('connect_error', resolve));
      expect(refused.message).toBe('UNAVAILABLE');
      const { connectionId } = fake.last('desk.connect')!.data;
      await waitFor(
        () => fake.requests.some((r) => r.op === 'desk.disconnect' && r.data.connectionId === connectionId),
        { what: 'the abandoned connect withdrawn' },
      );
      // On the agent's key, as the connect: routing applies it after the connect, whenever that was.
      expect(fake.requests.filter((r) => r.data.connectionId === connectionId)).toEqual([
        expect.objectContaining({ op: 'desk.connect', key: agentId }),
        expect.objectContaining({ op: 'desk.disconnect', key: agentId, data: { agentId, connectionId } }),
      ]);
    } finally {
      fake.on('routing', 'desk.connect', answer);
    }
  });

  it('desk: this instance beats to routing, and ends its desks when routing had dropped them (issue 8)', async () => {
    const token = (await admin(`/v1/admin/agents/${agentId}/token`, { method: 'POST' })).body.token;
    const desk = await connect('/desk', token);
    expect(fake.last('desk.instance-alive')).toMatchObject({ data: { gatewayInstance: expect.any(String) } });
    const ended = new Promise<string>((resolve) => desk.on('disconnect', resolve));
    fake.on('routing', 'desk.instance-alive', () => ok({ known: false })); // silent past routing's TTL
    try {
      expect(await ended).toBe('io server disconnect'); // the desk page connects again
    } finally {
      fake.on('routing', 'desk.instance-alive', () => ok({ known: true }));
    }
  });
});

/** The load shedder is the gateway's door: past the bound, a POST is refused before anything is read. */
describe('gateway door under overload', () => {
  let fake: FakeServices;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    const vars = await gatewayVars('gatewaydoor', {
      // One request may wait for a service; an unanswered one holds it until its deadline and margin.
      MAX_IN_FLIGHT_PER_SERVICE: '1',
      REQUEST_TIMEOUT_MS: '1500',
      REQUEST_DEADLINE_MARGIN_MS: '500',
    });
    fake = new FakeServices(parseEnv(kafkaEnvSchema, vars));
    fake.on('conversation', 'visitor.register', (d) => ok({ visitorId: d.visitorId }));
    fake.on('conversation', 'visitor.post-message', () => null);
    await fake.start();
    gateway = await startGateway(vars);
    await waitFor(() => gateway.server.isConsuming(), { what: 'the gateway consuming' });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await fake?.stop();
  });

  const post = (path: string, body: string, token?: string) =>
    fetch(gateway.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });

  it('a POST past the bound gets 503 UNAVAILABLE before its body or token is read, and never reaches the service', async () => {
    // The readiness probe's pings share the bound of one: what is refused meanwhile is tried again.
    const registered = await waitFor(
      async () => {
        const res = await post('/v1/visitors', JSON.stringify({ channel: 'mobile_app', platform: 'ios' }));
        return res.status === 201 ? ((await res.json()) as { token: string }) : undefined;
      },
      { what: 'a visitor registered' },
    );
    // A message conversation never answers: it holds the bound (unless a ping held it first: again).
    let held!: Promise<Response>;
    for (let attempt = 1; ; attempt++) {
      let refused: Response | undefined;
      held = post(
        '/v1/visitor/messages',
        JSON.stringify({ text: 'held', clientMessageId: 'held-1' }),
        registered.token,
      );
      void held.then((res) => (refused = res));
      const waiting = await waitFor(
        () => (fake.requests.some((r) => r.op === 'visitor.post-message') ? 'waiting' : refused && 'refused'),
        { what: 'a message waiting for conversation' },
      );
      if (waiting === 'waiting') break;
      expect([refused?.status, attempt < 10]).toEqual([503, true]);
    }

    // Broken JSON and no token at all: through Express they would be 400 and 401.
    for (const res of [
      await post('/v1/visitor/messages', '{"text": ', registered.token),
      await post('/v1/visitor/messages', JSON.stringify({ text: 'x', clientMessageId: 'c-2' })),
    ]) {
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: { code: 'UNAVAILABLE', message: 'conversation is overloaded; try again later' },
      });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect(fake.requests.filter((r) => r.op === 'visitor.post-message')).toHaveLength(1);
    // Nothing answers the held one: 503 once its deadline and the margin have passed.
    expect((await held!).status).toBe(503);
  });
});

/**
 * The requests to `base`, sent by a process of its own once this one says so, while this one holds
 * its loop (and so a gateway's main thread) still for 3 s: their paths and answers, each
 * with the time it came (Date.now(), the same clock in both processes), and when the hold ended.
 */
const sendWhileHeld = async (base: string, requests: { method: string; path: string }[]) => {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `process.stdin.once('data', async () => {
         const answers = await Promise.all(${JSON.stringify(requests)}.map(async (r) => {
           try {
             const res = await fetch(${JSON.stringify(base)} + r.path, { method: r.method });
             return { ...r, status: res.status, body: await res.text(), at: Date.now() };
           } catch (err) {
             return { ...r, status: -1, body: String(err), at: Date.now() };
           }
         }));
         // Exits at once: fetch's idle connections and stdin would keep it alive.
         process.stdout.write(JSON.stringify(answers) + '\\n', () => process.exit(0));
       });
       // One request first, so that fetch is loaded and warm before the hold: the probes must come
       // within the second the main thread's last copy stays fresh.
       fetch(${JSON.stringify(base)} + '/health/live').then((r) => r.text()).then(() => console.log('ready'));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  let heldUntil = 0;
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitFor(() => out.startsWith('ready\n'), { what: 'the sender started' });
    child.stdin!.write('go\n');
    // The main thread, and so the app's loop, held for 3 s: Atomics.wait blocks without spinning.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
    heldUntil = Date.now();
    await waitFor(() => out.endsWith(']\n'), { what: "the sender's answers" });
  } finally {
    child.kill();
    await exited;
  }
  const answers = JSON.parse(out.slice('ready\n'.length)) as {
    method: string;
    path: string;
    status: number;
    body: string;
    at: number;
  }[];
  return { answers, heldUntil };
};

/**
 * HTTP_DOOR_THREAD, wired as main.ts wires it: what the thread refuses because the app's socket is full
 * reaches the metrics by the route it was for. The app's loop is held still (this process's main
 * thread) while another process sends; the thread, on its own, finds a queue of one connection full.
 */
describe('gateway behind its door thread, its loop held', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    const vars = await gatewayVars('gatewaybusy', {
      HTTP_DOOR_THREAD: 'true',
      HTTP_DOOR_THREAD_NICE: '0',
      HTTP_LISTEN_BACKLOG: '1',
      HEALTH_PORT: '0',
    });
    gateway = await startGateway(vars);
  });

  afterAll(() => gateway?.app.close());

  it("answers its probes while the app's loop is held, from the copy the app last published", async () => {
    const { answers, heldUntil } = await sendWhileHeld(
      gateway.url,
      Array.from({ length: 6 }, () => ({ method: 'GET', path: '/health/live' })),
    );
    // Answered by the door thread: before the app's loop was free again, with the app's answer.
    expect(answers.map((a) => [a.status, JSON.parse(a.body), a.at < heldUntil])).toEqual(
      answers.map(() => [200, { status: 'live' }, true]),
    );
    // And counted as if the app had served them.
    await waitFor(
      async () =>
        /^pupitre_http_request_duration_seconds_count\{[^}]*route="\/health\/live",status="200"[^}]*\} ([6-9]|\d\d+)$/m.test(
          await (await fetch(`${gateway.url}/metrics`)).text(),
        ),
      { what: 'the probes counted' },
    );
  });

  it("hands on its probes' port what the copy does not answer, to the app behind the door thread", async () => {
    const metrics = await fetch(`${gateway.healthUrl!}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('pupitre_door_thread_nice');
    // No POST route: the app's own 404, through its Unix socket.
    const post = await fetch(`${gateway.healthUrl!}/health/ready/self`, { method: 'POST' });
    expect([post.status, ((await post.json()) as { error: { code: string } }).error.code]).toEqual([
      404,
      'NOT_FOUND',
    ]);
  });

  it("counts what the app's full socket refused under door-busy and by the route it was for", async () => {
    const agent = randomUUID();
    const { answers } = await sendWhileHeld(gateway.url, [
      ...Array.from({ length: 8 }, () => ({ method: 'GET', path: '/v1/visitor/conversations' })),
      ...Array.from({ length: 8 }, () => ({ method: 'PATCH', path: `/v1/admin/agents/${agent}` })),
      ...Array.from({ length: 8 }, () => ({ method: 'GET', path: '/socket.io/?EIO=4&transport=polling' })),
    ]);
    const busy = (method: string, prefix: string) =>
      answers.filter(
        (a) =>
          a.method === method &&
          a.path.startsWith(prefix) &&
          a.status === 503 &&
          JSON.parse(a.body).error.message === 'the gateway is busy; try again later',
      ).length;
    const expected = {
      '/v1/visitor/conversations': busy('GET', '/v1/visitor/conversations'),
      '/v1/admin/agents/:id': busy('PATCH', '/v1/admin/agents/'),
      'socket.io': busy('GET', '/socket.io/'),
    };
    // Each answered, none reset; a queue of one took one or two of the 24, the thread refused the others.
    expect(answers.filter((a) => a.status === -1)).toEqual([]);
    expect(Object.values(expected).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(20);

    const counted = async () => {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const of = (method: string, route: string) =>
        Number(
          new RegExp(
            `^pupitre_http_door_busy_total\\{method="${method}",route="${route}"[^}]*\\} (\\d+)$`,
            'm',
          ).exec(text)?.[1] ?? 0,
        );
      return {
        '/v1/visitor/conversations': of('GET', '/v1/visitor/conversations'),
        '/v1/admin/agents/:id': of('PATCH', '/v1/admin/agents/:id'),
        'socket.io': of('GET', 'socket.io'),
      };
    };
    // Reported every 250 ms by the thread.
    await waitFor(async () => JSON.stringify(await counted()) === JSON.stringify(expected), {
      what: 'the busy refusals counted by route',
    });
  });
});

/**
 * HEALTH_PORT with the default door, wired as main.ts wires it: the probes on a port of their own,
 * answered by the health thread while the app's loop is held; the rest of the app is not served there.
 */
describe("gateway's probes on their own port, its loop held", () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    gateway = await startGateway(await gatewayVars('gatewayprobes', { HEALTH_PORT: '0' }));
  });

  afterAll(() => gateway?.app.close());

  it("answers its probes while the app's loop is held, and counts them as the app's", async () => {
    expect(gateway.healthUrl).toMatch(/^http:\/\/localhost:\d+$/);
    const { answers, heldUntil } = await sendWhileHeld(gateway.healthUrl!, [
      ...Array.from({ length: 4 }, () => ({ method: 'GET', path: '/health/live' })),
      ...Array.from({ length: 4 }, () => ({ method: 'GET', path: '/health/ready/self' })),
    ]);
    // Answered by the health thread before the app's loop was free again, with the app's answers.
    expect(answers.map((a) => [a.path, a.status, a.at < heldUntil])).toEqual(
      answers.map((a) => [a.path, 200, true]),
    );
    expect(answers.map((a) => (JSON.parse(a.body) as { status: string }).status)).toEqual([
      ...Array<string>(4).fill('live'),
      ...Array<string>(4).fill('ready'),
    ]);
    // Counted as if the app had served them, and /metrics served on the probes' port by the app.
    await waitFor(
      async () =>
        /^pupitre_http_request_duration_seconds_count\{[^}]*route="\/health\/ready\/self",status="200"[^}]*\} ([4-9]|\d\d+)$/m.test(
          await (await fetch(`${gateway.healthUrl!}/metrics`)).text(),
        ),
      { what: 'the probes counted' },
    );
  });

  it("serves none of the app's API there", async () => {
    const res = await fetch(`${gateway.healthUrl!}/v1/visitor/conversations`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

describe("gateway's probes' port, closed with the app", () => {
  it('ends the health thread and frees its port when the app closes', async () => {
    const gateway = await startGateway(await gatewayVars('gatewayprobesclose', { HEALTH_PORT: '0' }));
    const probe = () => fetch(`${gateway.healthUrl!}/health/live`);
    expect((await probe()).status).toBe(200);
    await gateway.app.close();
    await expect(probe()).rejects.toThrow();
  });
});
