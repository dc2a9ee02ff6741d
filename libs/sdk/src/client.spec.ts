import {
  FakeClock,
  fakeFetch,
  type FakeReply,
  type FakeRequest,
  fakeSockets,
  jwt,
  settle,
} from '../test/fakes';
import { type ClientEvents, createClient } from './client';
import { memoryStorage } from './storage';
import type { ConversationSummary, Message } from './types';

const BASE = 'http://gateway.test';
const DAY = 86_400;

/** Just enough of the gateway's SDK API, in memory. */
class FakeGateway {
  visitors = 0;
  tokens = new Set<string>();
  conversations: (ConversationSummary & { messages: Message[] })[] = [];
  byClientId = new Map<string, FakeReply>();
  nowSeconds = () => Math.floor(this.clock.now() / 1000);
  /** Lets a test fail a request before the default answer. */
  intercept: (req: FakeRequest) => FakeReply | undefined = () => undefined;
  private n = 0;

  constructor(private readonly clock: FakeClock) {}

  issue(visitorId: string, lifetime = 8 * DAY): string {
    const token = jwt({
      sub: visitorId,
      role: 'visitor',
      iat: this.nowSeconds(),
      exp: this.nowSeconds() + lifetime,
      n: ++this.n,
    });
    this.tokens.add(token);
    return token;
  }

  id(prefix: string): string {
    return `${prefix}0000000-0000-4000-8000-${String(++this.n).padStart(12, '0')}`;
  }

  open(): ConversationSummary & { messages: Message[] } {
    let open = this.conversations.find((c) => c.status !== 'closed');
    if (!open) {
      open = { id: this.id('c'), channel: 'mobile_app', status: 'queued', createdAt: '', messages: [] };
      this.conversations.unshift(open);
    }
    return open;
  }

  add(text: string, author: 'visitor' | 'agent' = 'agent'): Message {
    const conversation = this.open();
    const m: Message = {
      id: this.id('m'),
      conversationId: conversation.id,
      author: { type: author, id: 'a0000000-0000-4000-8000-000000000000' },
      text,
      createdAt: new Date(this.clock.now()).toISOString(),
    };
    conversation.messages.push(m);
    return m;
  }

  handle: (req: FakeRequest) => FakeReply | Promise<FakeReply> = (req) => {
    const intercepted = this.intercept(req);
    if (intercepted) return intercepted;
    if (req.method === 'POST' && req.path === '/v1/visitors') {
      const visitorId = this.id('v');
      this.visitors += 1;
      return { status: 201, body: { visitorId, token: this.issue(visitorId) } };
    }
    const token = req.headers.authorization?.replace('Bearer ', '') ?? '';
    if (!this.tokens.has(token))
      return { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'no' } } };
    if (req.method === 'POST' && req.path === '/v1/visitor/token')
      return { status: 201, body: { token: this.issue('v') } };
    if (req.method === 'POST' && req.path === '/v1/visitor/messages') {
      const { text, clientMessageId } = req.body as { text: string; clientMessageId: string };
      const first = this.byClientId.get(clientMessageId);
      if (first) return first;
      const m = this.add(text, 'visitor');
      const reply = {
        status: 201,
        body: { conversationId: m.conversationId, messageId: m.id, createdAt: m.createdAt },
      };
      this.byClientId.set(clientMessageId, reply);
      return reply;
    }
    if (req.method === 'GET' && req.path === '/v1/visitor/conversations')
      return { status: 200, body: this.conversations.map(({ messages: _m, ...summary }) => summary) };
    const history = /^\/v1\/visitor\/conversations\/([^/?]+)\/messages\??(.*)$/.exec(req.path);
    if (req.method === 'GET' && history) {
      const conversation = this.conversations.find((c) => c.id === history[1]);
      if (!conversation) return { status: 404, body: { error: { code: 'NOT_FOUND', message: '' } } };
      const query = new URLSearchParams(history[2]);
      const after = query.get('after');
      const limit = Number(query.get('limit') ?? 50);
      const start = after ? conversation.messages.findIndex((m) => m.id === after) + 1 : 0;
      const items = conversation.messages.slice(start, start + limit);
      const more = start + limit < conversation.messages.length;
      return { status: 200, body: { items, ...(more ? { nextCursor: items[items.length - 1].id } : {}) } };
    }
    if (req.path === '/v1/visitor/push-token') return { status: 204 };
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: req.path } } };
  };
}

function setup(storage = memoryStorage(), clock = new FakeClock(), gateway = new FakeGateway(clock)) {
  const { fetch, requests } = fakeFetch((req) => gateway.handle(req));
  const { factory, sockets } = fakeSockets();
  const sut = createClient({
    baseUrl: BASE,
    channel: 'mobile_app',
    platform: 'ios',
    storage,
    fetch,
    socketFactory: factory,
    clock,
    random: () => 0.5,
  });
  const heard: { [K in keyof ClientEvents]: ClientEvents[K][] } = {
    message: [],
    conversationClosed: [],
    queue: [],
    connectionState: [],
    outbox: [],
    visitor: [],
    error: [],
  };
  for (const name of Object.keys(heard) as (keyof ClientEvents)[])
    sut.on(name, (payload) => (heard[name] as unknown[]).push(payload));
  const socket = () => sockets[sockets.length - 1];
  return {
    sut,
    clock,
    gateway,
    requests,
    sockets,
    socket,
    heard,
    storage,
    texts: () => heard.message.map((m) => m.text),
  };
}

describe('createClient', () => {
  it('registers a visitor on first start and resumes it from storage on the next', async () => {
    const first = setup();
    await first.sut.start();
    await settle();
    expect(first.gateway.visitors).toBe(1);
    expect(first.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/visitors',
      body: { channel: 'mobile_app', platform: 'ios' },
    });
    expect(first.heard.visitor).toEqual([{ visitorId: first.sut.visitorId }]);
    await first.sut.stop();

    const again = setup(first.storage, first.clock, first.gateway);
    await again.sut.start();
    await settle();
    expect(again.gateway.visitors).toBe(1);
    expect(again.sut.visitorId).toBe(first.sut.visitorId);
    expect(await again.socket().handshakeToken()).toMatch(/^ey/);
  });

  it('sends with a clientMessageId of its own and reports pending, then sent', async () => {
    const { sut, requests, heard } = setup();
    const entry = await sut.send('hello');
    await settle();
    const post = requests.find((r) => r.path === '/v1/visitor/messages');
    expect(post?.body).toEqual({ text: 'hello', clientMessageId: entry.clientMessageId });
    expect(entry.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(heard.outbox.map((e) => e.state)).toEqual(['pending', 'sent']);
    expect(await sut.settled(entry.clientMessageId)).toMatchObject({
      state: 'sent',
      clientMessageId: entry.clientMessageId,
    });
  });

  it('numbers its retries of a message in X-Attempt (none on the first try), so the gateway can serve new messages first', async () => {
    const { sut, gateway, requests, clock } = setup();
    let refusals = 2;
    gateway.intercept = (req) =>
      req.path === '/v1/visitor/messages' && refusals-- > 0
        ? {
            status: 503,
            headers: { 'Retry-After': '1' },
            body: { error: { code: 'UNAVAILABLE', message: 'conversation is overloaded; try again later' } },
          }
        : undefined;
    const entry = await sut.send('hello');
    await clock.advance(10_000);
    const posts = requests.filter((r) => r.path === '/v1/visitor/messages');
    expect(posts.map((r) => r.headers['x-attempt'])).toEqual([undefined, '2', '3']);
    expect(new Set(posts.map((r) => (r.body as { clientMessageId: string }).clientMessageId))).toEqual(
      new Set([entry.clientMessageId]),
    );
    expect(await sut.settled(entry.clientMessageId)).toMatchObject({ state: 'sent' });
  });

  it('after a reconnect shows what it missed from the history, then what came live, each once and in order', async () => {
    const { sut, gateway, socket, heard, texts } = setup();
    await sut.start();
    await settle();
    socket().serverConnects();
    await settle();
    const live = (m: Message) => socket().fire('message.created', { message: m });
    live(gateway.add('a'));
    live(gateway.add('b'));
    socket().drops();
    const missed = [gateway.add('c'), gateway.add('d')];
    // Reconnected: while the history is read (the fetch is async), the server replays b, and d and e come live.
    socket().serverConnects();
    live(gateway.conversations[0].messages[1]);
    live(missed[1]);
    live(gateway.add('e'));
    await settle();

    expect(texts()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(heard.connectionState).toEqual([
      'connecting',
      'syncing',
      'connected',
      'disconnected',
      'syncing',
      'connected',
    ]);
  });

  it('reads a long history page by page after the cursor', async () => {
    const { sut, gateway, socket, texts, requests } = setup();
    await sut.start();
    await settle();
    socket().serverConnects();
    await settle();
    socket().fire('message.created', { message: gateway.add('m0') });
    socket().drops();
    for (let i = 1; i <= 450; i++) gateway.add(`m${i}`);
    socket().serverConnects();
    await settle(60);
    expect(texts()).toEqual(Array.from({ length: 451 }, (_, i) => `m${i}`));
    const pages = requests.filter((r) => r.path.includes('/messages?'));
    expect(pages.map((r) => new URLSearchParams(r.path.split('?')[1]).get('limit'))).toEqual([
      '200',
      '200',
      '200',
    ]);
  });

  it('tells a close once, after the messages before it, whether heard live or found on resync', async () => {
    const { sut, gateway, socket, heard, texts } = setup();
    await sut.start();
    await settle();
    socket().serverConnects();
    await settle();
    const conversation = gateway.open();
    socket().fire('message.created', { message: gateway.add('bye') });
    socket().drops();
    gateway.add('one more');
    conversation.status = 'closed';
    conversation.closeReason = 'agent';
    socket().serverConnects();
    socket().fire('conversation.closed', { conversationId: conversation.id, reason: 'agent' });
    await settle();
    expect(texts()).toEqual(['bye', 'one more']);
    expect(heard.conversationClosed).toEqual([{ conversationId: conversation.id, reason: 'agent' }]);
  });

  it('passes queue updates on, and reads the position from the conversations list on resync', async () => {
    const { sut, gateway, socket, heard } = setup();
    await sut.start();
    await settle();
    const conversation = gateway.open();
    conversation.queuePosition = 3;
    conversation.estimatedWaitSeconds = 90;
    socket().serverConnects();
    await settle();
    socket().fire('queue.updated', { conversationId: conversation.id, position: 2 });
    socket().fire('queue.updated', { conversationId: conversation.id, position: 'bad' });
    expect(heard.queue).toEqual([
      { conversationId: conversation.id, position: 3, estimatedWaitSeconds: 90 },
      { conversationId: conversation.id, position: 2 },
    ]);
  });

  it('keeps the renewed token the server sends in X-Visitor-Token', async () => {
    const { sut, gateway, requests, storage } = setup();
    await sut.start();
    await settle();
    const renewed = gateway.issue('v');
    gateway.intercept = (req) =>
      req.path === '/v1/visitor/conversations'
        ? { status: 200, body: [], headers: { 'X-Visitor-Token': renewed } }
        : undefined;
    await sut.conversations();
    gateway.intercept = () => undefined;
    await sut.conversations();
    expect(requests[requests.length - 1].headers.authorization).toBe(`Bearer ${renewed}`);
    await settle();
    expect(JSON.parse((await storage.getItem('pupitre.visitor')) ?? '{}').token).toBe(renewed);
  });

  it('on a 401 refreshes the token once and retries; when even the refresh is refused, registers anew', async () => {
    const { sut, gateway, requests, heard, socket, storage } = setup();
    await sut.start();
    await settle();
    const firstVisitor = sut.visitorId;
    gateway.tokens.clear(); // every token refused, the refresh too
    await sut.conversations();
    const paths = requests.slice(-4).map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual([
      'GET /v1/visitor/conversations',
      'POST /v1/visitor/token',
      'POST /v1/visitors',
      'GET /v1/visitor/conversations',
    ]);
    expect(sut.visitorId).not.toBe(firstVisitor);
    expect(heard.visitor[1]).toEqual({ visitorId: sut.visitorId, previousVisitorId: firstVisitor });
    // The socket, opened as the first visitor, opens again as the new one.
    expect(socket().connects).toBe(1);
    const stored = JSON.parse((await storage.getItem('pupitre.visitor')) ?? '{}') as {
      visitorId: string;
      token: string;
    };
    expect(stored.visitorId).toBe(sut.visitorId);
    expect(await socket().handshakeToken()).toBe(stored.token);
  });

  it('refreshes a token half through its life before using it', async () => {
    const { sut, clock, requests } = setup();
    await sut.start();
    await settle();
    await clock.advance(4 * DAY * 1000 + 1000);
    await sut.conversations();
    expect(requests.slice(-2).map((r) => r.path)).toEqual(['/v1/visitor/token', '/v1/visitor/conversations']);
  });

  it('refreshes the token and reconnects when the socket handshake is refused', async () => {
    const { sut, socket, requests } = setup();
    await sut.start();
    await settle();
    const refused = Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } });
    socket().active = false;
    socket().fire('connect_error', refused);
    await settle();
    expect(requests[requests.length - 1].path).toBe('/v1/visitor/token');
  });

  it('sends pending messages a previous run left in storage, once each, in order', async () => {
    const clock = new FakeClock();
    const gateway = new FakeGateway(clock);
    const first = setup(memoryStorage(), clock, gateway);
    gateway.intercept = (req) => {
      if (req.path === '/v1/visitor/messages') throw new Error('offline');
      return undefined;
    };
    await first.sut.start();
    for (const text of ['one', 'two', 'three']) await first.sut.send(text);
    await settle();
    await first.sut.stop();
    expect(first.sut.outbox().map((e) => e.state)).toEqual(['pending', 'pending', 'pending']);

    gateway.intercept = () => undefined;
    const again = setup(first.storage, clock, gateway);
    await again.sut.start();
    await clock.advance(60_000);
    expect(gateway.open().messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(again.sut.outbox()).toEqual([]);
  });

  it('shows nothing and moves no cursor once stopped, even when a resync answers afterwards', async () => {
    const { sut, gateway, socket, texts, storage } = setup();
    await sut.start();
    await settle();
    gateway.add('before stop');
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const handle = gateway.handle;
    gateway.handle = async (req) => {
      if (req.path.includes('/messages')) await held;
      return handle(req);
    };
    socket().serverConnects();
    await settle();
    socket().fire('message.created', { message: gateway.add('live during the resync') });
    await sut.stop();
    answer();
    await settle();
    expect(texts()).toEqual([]);
    expect(await storage.getItem('pupitre.cursors')).toBeNull();
  });

  it('works offline from the very first start: messages wait, then the visitor is registered and they leave', async () => {
    const { sut, gateway, clock, heard } = setup();
    let online = false;
    gateway.intercept = () => {
      if (!online) throw new TypeError('offline');
      return undefined;
    };
    await sut.start();
    await sut.send('written in the metro');
    await clock.advance(5_000);
    expect(sut.visitorId).toBeUndefined();
    expect(sut.outbox().map((e) => [e.state, e.error?.code])).toEqual([['pending', 'NETWORK_ERROR']]);
    expect(heard.error.map((e) => e.code)).toContain('NETWORK_ERROR');

    online = true;
    await clock.advance(60_000);
    expect(gateway.visitors).toBe(1);
    expect(gateway.open().messages.map((m) => m.text)).toEqual(['written in the metro']);
    expect(sut.outbox()).toEqual([]);
  });

  it('registers and removes the push token', async () => {
    const { sut, requests } = setup();
    await sut.registerPushToken({ platform: 'ios', token: 'apns-token' });
    await sut.removePushToken();
    expect(requests.slice(-2).map((r) => [r.method, r.path, r.body])).toEqual([
      ['PUT', '/v1/visitor/push-token', { platform: 'ios', token: 'apns-token' }],
      ['DELETE', '/v1/visitor/push-token', undefined],
    ]);
  });
});
