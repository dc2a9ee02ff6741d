import { randomUUID } from 'node:crypto';
import { INestApplication, Logger } from '@nestjs/common';
import type {
  AgentView,
  CannedResponse,
  Channel,
  Message,
  PostedMessage,
  Remuneration,
  VisitorConversationSummary,
} from '@pupitre/shared';
import { isolatedTestEnv, waitFor } from '@pupitre/shared/testing';
import { startBilling } from '../../../apps/billing/src/main';
import { BENCH_LIMITS } from '../../../bench/support/limits';
import { startConversation } from '../../../apps/conversation/src/main';
import { startGateway } from '../../../apps/gateway/src/main';
import { startRouting } from '../../../apps/routing/src/main';
import { AgentInput, factory, VisitorInput } from './factories';
import { bodyOf, request, RequestOptions, Res } from './http';
import { Desk, EventLog, openSocket, VisitorSocket } from './sockets';

jest.setTimeout(60_000);

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const JWT_SECRET = 'e2e-jwt-secret-0123456789abcdef';

export interface CreatedAgent {
  id: string;
  name: string;
  chatCapacity: number;
  mobileCapacity: number;
  token: string;
}

export interface MessagePage {
  items: Message[];
  nextCursor?: string;
}

export interface RemunerationList {
  items: Remuneration[];
  total: { amountMinor: number; currency: string };
}

/** A visitor registered through `POST /v1/visitors`, and what their SDK can do. */
export interface Visitor {
  id: string;
  token: string;
  channel: Channel;
  post(text: string, clientMessageId?: string): Promise<Res<PostedMessage>>;
  /** `post` that must succeed (201). */
  say(text: string, clientMessageId?: string): Promise<PostedMessage>;
  conversations(): Promise<VisitorConversationSummary[]>;
  messages(conversationId: string, query?: Record<string, string | number>): Promise<Res<MessagePage>>;
  /** A device listening on `/visitor`. */
  socket(): Promise<VisitorSocket>;
}

export interface System {
  url: string;
  /** The run's broker and this system's topic prefix, for tests that read a public topic themselves. */
  kafka: { brokers: string[]; topicPrefix: string };
  /** Any HTTP call on the gateway. */
  http<T = unknown>(method: string, path: string, o?: RequestOptions): Promise<Res<T>>;
  admin: {
    /** Any call with the admin token. */
    call<T = unknown>(method: string, path: string, body?: unknown): Promise<Res<T>>;
    createAgent(input?: AgentInput): Promise<CreatedAgent>;
    agents(): Promise<AgentView[]>;
    agent(id: string): Promise<AgentView>;
    updateAgent(id: string, body: unknown): Promise<Res<AgentView>>;
    rotateToken(id: string): Promise<string>;
    createCanned(input?: { title?: string; text?: string }): Promise<CannedResponse>;
    cannedResponses(): Promise<CannedResponse[]>;
    deleteCanned(id: string): Promise<Res<string>>;
    remunerations(query?: Record<string, string>): Promise<Res<RemunerationList>>;
    /** Polls `GET /v1/admin/agents` until the agent shows this status. */
    waitStatus(id: string, status: AgentView['status']): Promise<AgentView>;
  };
  visitor(channel: Channel, input?: Partial<VisitorInput>): Promise<Visitor>;
  /** A desk socket for this token, connected, with its `desk.state` received. Rejects with ConnectionRefused. */
  desk(token: unknown): Promise<Desk>;
  /** A created agent with its desk open (available). */
  agentAtDesk(input?: AgentInput): Promise<{ agent: CreatedAgent; desk: Desk }>;
  /** A `/visitor` socket for any token (for refusals). */
  visitorSocket(token: unknown): Promise<VisitorSocket>;
  /**
   * Another gateway instance on the same services (its own instance id, any free port unless
   * `overrides` say otherwise), ready. `stop` closes it gracefully; whatever is still running is
   * closed by `stop` of the system.
   */
  anotherGateway(overrides?: Record<string, string>): Promise<{
    url: string;
    visitorSocket(token: unknown): Promise<VisitorSocket>;
    stop(): Promise<void>;
  }>;
  /**
   * Between tests (afterEach): closes every socket opened so far, waits until their agents are
   * offline, and closes whatever conversation is still queued, so the next test starts with no agent
   * available and an empty queue.
   */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** The gateway alone, stopped (its sockets dropped, its port closed) and started again on the same port. */
  gateway: { stop(): Promise<void>; start(): Promise<void> };
}

/**
 * The whole system in this process: conversation, routing and billing, then the gateway, on a fresh
 * database and topic prefix of the run's broker (one per test file: booting takes a few seconds).
 * Tests drive it only through the gateway's HTTP and sockets, as users would.
 */
export async function startSystem(overrides: Record<string, string> = {}): Promise<System> {
  const env = await isolatedTestEnv('e2e');
  const vars: Record<string, string | undefined> = {
    ...process.env,
    ...env.vars,
    ADMIN_TOKEN,
    JWT_SECRET,
    PORT: '0',
    // Tests drive the system faster than people do, from one address: limits out of their way
    // (rate-limit.e2e-spec sets its own).
    ...BENCH_LIMITS,
    SWEEP_INTERVAL_MS: '100',
    ...overrides,
  };
  const services: INestApplication[] = [];
  let gateway: INestApplication | null = null;
  const extraGateways = new Set<INestApplication>();
  const logs: EventLog<object>[] = [];
  const visitors: Visitor[] = [];

  const stop = async () => {
    logs.forEach((l) => l.close());
    // The gateways first: they tell routing their desks are gone while routing still listens.
    await Promise.allSettled([...extraGateways].map((app) => app.close()));
    if (gateway) await Promise.allSettled([gateway.close()]);
    await Promise.allSettled(services.map((app) => app.close()));
  };

  let url: string;
  try {
    const started = await Promise.allSettled(
      [startConversation, startRouting, startBilling].map((start) => start(vars)),
    );
    for (const s of started) if (s.status === 'fulfilled') services.push(s.value.app);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const gw = await startGateway(vars);
    gateway = gw.app;
    url = gw.url;
    await waitFor(async () => (await request(url, 'GET', '/health/ready')).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'GET /health/ready = 200',
    });
  } catch (err) {
    await stop();
    throw err;
  }
  // Boot is logged; while tests run, only warnings and errors.
  Logger.overrideLogger(['warn', 'error']);
  const gatewayControl: System['gateway'] = {
    stop: async () => {
      const app = gateway;
      gateway = null;
      if (!app) return;
      // As a killed process would: no request answered from now on, every connection cut at once;
      // then the orderly close of the rest (Kafka, timers) so the test leaves nothing behind.
      const server = app.getHttpServer() as import('node:http').Server;
      server.close();
      server.closeAllConnections();
      await app.close();
    },
    start: async () => {
      if (gateway) return;
      gateway = (await startGateway({ ...vars, PORT: new URL(url).port })).app;
      await waitFor(async () => (await request(url, 'GET', '/health/ready')).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'GET /health/ready = 200 after the gateway restarted',
      });
    },
  };

  const http = <T>(method: string, path: string, o?: RequestOptions) => request<T>(url, method, path, o);
  const call = <T>(method: string, path: string, body?: unknown) =>
    http<T>(method, path, { token: ADMIN_TOKEN, body });

  const admin: System['admin'] = {
    call,
    createAgent: async (input = factory.agent()) =>
      bodyOf(await call<CreatedAgent>('POST', '/v1/admin/agents', input), 201, 'POST /v1/admin/agents'),
    agents: async () =>
      bodyOf(await call<AgentView[]>('GET', '/v1/admin/agents'), 200, 'GET /v1/admin/agents'),
    agent: async (id) => {
      const found = (await admin.agents()).find((a) => a.id === id);
      if (!found) throw new Error(`agent ${id} is not listed`);
      return found;
    },
    updateAgent: (id, body) => call<AgentView>('PATCH', `/v1/admin/agents/${id}`, body),
    rotateToken: async (id) =>
      bodyOf(await call<{ token: string }>('POST', `/v1/admin/agents/${id}/token`), 201, 'rotate token')
        .token,
    createCanned: async (input = factory.canned()) =>
      bodyOf(
        await call<CannedResponse>('POST', '/v1/admin/canned-responses', input),
        201,
        'POST /v1/admin/canned-responses',
      ),
    cannedResponses: async () =>
      bodyOf(await call<CannedResponse[]>('GET', '/v1/admin/canned-responses'), 200, 'GET canned responses'),
    deleteCanned: (id) => call<string>('DELETE', `/v1/admin/canned-responses/${id}`),
    remunerations: (query = {}) =>
      call<RemunerationList>('GET', `/v1/admin/remunerations?${new URLSearchParams(query)}`),
    waitStatus: (id, status) =>
      waitFor(
        async () => {
          const agent = await admin.agent(id);
          return agent.status === status && agent;
        },
        { what: `agent ${id} ${status}` },
      ),
  };

  const visitorSocket = (token: unknown) =>
    openSocket(url, '/visitor', token, (s) => {
      const log = new VisitorSocket(s);
      logs.push(log);
      return log;
    });

  const visitor = async (channel: Channel, input: Partial<VisitorInput> = {}): Promise<Visitor> => {
    const registered = bodyOf(
      await http<{ visitorId: string; token: string }>('POST', '/v1/visitors', {
        body: factory.visitor(channel, input),
      }),
      201,
      'POST /v1/visitors',
    );
    const token = registered.token;
    const v: Visitor = {
      id: registered.visitorId,
      token,
      channel,
      post: (text, clientMessageId = factory.clientMessageId()) =>
        http<PostedMessage>('POST', '/v1/visitor/messages', { token, body: { text, clientMessageId } }),
      say: async (text, clientMessageId) =>
        bodyOf(await v.post(text, clientMessageId), 201, 'POST /v1/visitor/messages'),
      conversations: async () =>
        bodyOf(
          await http<VisitorConversationSummary[]>('GET', '/v1/visitor/conversations', { token }),
          200,
          'GET /v1/visitor/conversations',
        ),
      messages: (conversationId, query = {}) => {
        const qs = new URLSearchParams(
          Object.entries(query).map(([k, val]): [string, string] => [k, String(val)]),
        );
        const suffix = qs.size > 0 ? `?${qs}` : '';
        return http<MessagePage>('GET', `/v1/visitor/conversations/${conversationId}/messages${suffix}`, {
          token,
        });
      },
      socket: () => visitorSocket(token),
    };
    visitors.push(v);
    return v;
  };

  const closeSockets = async () => {
    const desks = logs.filter((l): l is Desk => l instanceof Desk && l.connected);
    logs.forEach((l) => l.close());
    logs.length = 0;
    const agents = new Set(desks.map((d) => d.agentId));
    await Promise.all([...agents].map((id) => admin.waitStatus(id, 'offline')));
  };

  /** A janitor agent takes every queued conversation of the visitors seen so far and closes it. */
  const drainQueue = async () => {
    const seen = visitors.splice(0);
    const queued = (await Promise.all(seen.map((v) => v.conversations())))
      .flat()
      .filter((c) => c.status === 'queued')
      .map((c) => c.id);
    if (queued.length === 0) return;
    const janitor = await admin.createAgent({ name: 'Janitor', chatCapacity: 20 });
    const d = await desk(janitor.token);
    const left = new Set(queued);
    while (left.size > 0) {
      // In whatever order they come: with 2 mobile slots, each close makes room for the next.
      const conversationId = await waitFor(() => [...d.held()].find((id) => left.has(id)), {
        what: `the janitor receiving one of ${[...left].join(', ')}`,
      });
      const ack = await d.ask('conversation.close', { conversationId });
      if (!ack.ok) throw new Error(`the janitor could not close ${conversationId}: ${JSON.stringify(ack)}`);
      left.delete(conversationId);
    }
    await closeSockets();
  };

  const desk = async (token: unknown) => {
    const d = await openSocket(url, '/desk', token, (s) => {
      const log = new Desk(s);
      logs.push(log);
      return log;
    });
    d.state = await d.next('desk.state');
    return d;
  };

  return {
    get url() {
      return url;
    },
    kafka: { brokers: String(vars.KAFKA_BROKERS).split(','), topicPrefix: env.prefix },
    http,
    admin,
    visitor,
    desk,
    agentAtDesk: async (input) => {
      const agent = await admin.createAgent(input ?? factory.agent());
      return { agent, desk: await desk(agent.token) };
    },
    visitorSocket,
    anotherGateway: async (overrides = {}) => {
      const gw = await startGateway({
        ...vars,
        PORT: '0',
        GATEWAY_INSTANCE_ID: `e2e-${randomUUID()}`,
        ...overrides,
      });
      extraGateways.add(gw.app);
      await waitFor(async () => (await request(gw.url, 'GET', '/health/ready')).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'GET /health/ready = 200 on another gateway',
      });
      return {
        url: gw.url,
        visitorSocket: (token: unknown) =>
          openSocket(gw.url, '/visitor', token, (s) => {
            const log = new VisitorSocket(s);
            logs.push(log);
            return log;
          }),
        stop: async () => {
          extraGateways.delete(gw.app);
          await gw.app.close();
        },
      };
    },
    reset: async () => {
      await closeSockets();
      await drainQueue();
    },
    stop,
    gateway: gatewayControl,
  };
}
