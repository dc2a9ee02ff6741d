import type { Message } from '@pupitre/shared';
import { waitFor } from '@pupitre/shared/testing';
import {
  type ConnectionState,
  createClient,
  type FetchLike,
  memoryStorage,
  type OutboxEntry,
  type PupitreClient,
} from '../../libs/sdk/src';
import { JwtService } from '@nestjs/jwt';
import { factory } from '../e2e/support/factories';
import type { Desk, DeskState } from '../e2e/support/sockets';
import {
  type CreatedAgent,
  JWT_SECRET,
  type MessagePage,
  startSystem,
  type System,
} from '../e2e/support/system';

/**
 * @pupitre/sdk against the real system (issue 9). The contract's own e2e tests stay on raw HTTP and
 * sockets; here the SDK's retries and resync are the subject: the gateway stopped and started again
 * while a visitor sends, an app restarted with messages pending.
 */
describe('@pupitre/sdk (e2e)', () => {
  let sut: System;
  const clients: PupitreClient[] = [];

  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await sut.gateway.start();
  });
  afterAll(() => sut?.stop());

  /** A client of the SDK on this system, with what it told the app. */
  const client = (storage = memoryStorage(), fetch?: FetchLike) => {
    const sdk = createClient({
      baseUrl: sut.url,
      channel: 'mobile_app',
      platform: 'android',
      storage,
      fetch,
      // Short waits: the gateway is back within seconds.
      backoff: { baseMs: 100, capMs: 1000 },
      requestTimeoutMs: 10_000,
    });
    clients.push(sdk);
    const shown: Message[] = [];
    const states: ConnectionState[] = [];
    const outbox: OutboxEntry[] = [];
    sdk.on('message', (m) => shown.push(m));
    sdk.on('connectionState', (s) => states.push(s));
    sdk.on('outbox', (e) => outbox.push(e));
    return { sdk, shown, states, outbox, storage };
  };

  /** Every message of a conversation, by raw HTTP (not through the SDK), oldest first. */
  const storedMessages = async (token: string, conversationId: string): Promise<Message[]> => {
    const all: Message[] = [];
    let after: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '200', ...(after ? { after } : {}) });
      const res = await sut.http<MessagePage>(
        'GET',
        `/v1/visitor/conversations/${conversationId}/messages?${query}`,
        {
          token,
        },
      );
      expect(res.status).toBe(200);
      all.push(...res.body.items);
      after = res.body.nextCursor;
    } while (after);
    return all;
  };

  const tokenIn = async (storage: ReturnType<typeof memoryStorage>) =>
    (JSON.parse((await storage.getItem('pupitre.visitor')) ?? '{}') as { token: string }).token;

  const texts = (messages: readonly Message[]) => messages.map((m) => m.text);
  const unique = (messages: readonly Message[]) => new Set(messages.map((m) => m.id)).size;

  it('sends 100 messages while the gateway is stopped and started again: all stored once and in order, the app shown each once, the desk resyncs without duplicates', async () => {
    const atDesk = await sut.agentAtDesk(factory.agent());
    const agent: CreatedAgent = atDesk.agent;
    let desk: Desk = atDesk.desk;
    // The desk page reconnects as soon as the gateway is back; so that it does so before the SDK has
    // sent 50 more (desk.state shows the latest 50), the SDK's sends wait at this gate meanwhile.
    let gate: Promise<void> = Promise.resolve();
    let openGate = () => undefined as void;
    const gated: FetchLike = async (input, init) => {
      await gate;
      return globalThis.fetch(input, init);
    };
    const app = client(memoryStorage(), gated);
    await app.sdk.start();
    await waitFor(() => app.sdk.connectionState === 'connected', { what: 'the SDK connected' });

    const expected = Array.from({ length: 100 }, (_, i) => `message ${i + 1}`);
    for (const text of expected) await app.sdk.send(text);
    const sent = () => app.outbox.filter((e) => e.state === 'sent');
    await waitFor(() => sent().length >= 20, { timeoutMs: 60_000, what: '20 messages sent' });

    await sut.gateway.stop();
    // The SDK notices: its socket drops and at least one send fails for want of an answer.
    await waitFor(() => app.outbox.some((e) => e.state === 'pending' && e.error?.code === 'NETWORK_ERROR'), {
      what: 'a send failing while the gateway is down',
    });
    expect(app.sdk.connectionState).toBe('disconnected');
    const sentWhileUp = sent().length;
    expect(sentWhileUp).toBeLessThan(100);
    gate = new Promise((resolve) => (openGate = resolve));
    await sut.gateway.start();
    const deskAgain = await sut.desk(agent.token);
    openGate();

    await waitFor(() => app.sdk.outbox().length === 0, { timeoutMs: 120_000, what: 'the outbox empty' });
    expect(app.outbox.filter((e) => e.state === 'failed')).toEqual([]);
    const conversationId = sent()[0].conversationId!;
    expect(new Set(sent().map((e) => e.conversationId))).toEqual(new Set([conversationId]));

    // Stored once each, in the order sent.
    const stored = await storedMessages(await tokenIn(app.storage), conversationId);
    expect(texts(stored)).toEqual(expected);
    expect(unique(stored)).toBe(100);

    // The app was shown each once, in order (live, or from the history after the reconnect).
    await waitFor(() => app.shown.length >= 100, { timeoutMs: 30_000, what: 'the app shown 100 messages' });
    expect(texts(app.shown)).toEqual(expected);
    expect(unique(app.shown)).toBe(100);
    expect(app.states.filter((s) => s === 'syncing').length).toBeGreaterThanOrEqual(2);

    // The desk: what it heard before the stop, then a new desk socket's desk.state and what follows.
    const view = new Map<string, Message>();
    const merge = (messages: readonly Message[]) => messages.forEach((m) => view.set(m.id, m));
    for (const { name, payload } of desk.heard) {
      if (name === 'conversation.assigned')
        merge((payload as { conversation: { messages: Message[] } }).conversation.messages);
      if (name === 'message.created') merge([(payload as { message: Message }).message]);
    }
    desk = deskAgain;
    const held = (desk.heard[0].payload as DeskState).conversations.find((c) => c.id === conversationId);
    expect(held).toBeDefined();
    expect(unique(held!.messages)).toBe(held!.messages.length);
    merge(held!.messages);
    const lastId = stored[stored.length - 1].id;
    await waitFor(() => view.has(lastId) || desk.all('message.created', (p) => p.message.id === lastId)[0], {
      what: 'the desk holding the last message',
    });
    merge(desk.all('message.created').map((p) => p.message));
    const deskView = [...view.values()]
      .filter((m) => m.conversationId === conversationId)
      .sort((a, b) => stored.findIndex((s) => s.id === a.id) - stored.findIndex((s) => s.id === b.id));
    expect(texts(deskView)).toEqual(expected);
    expect(deskView.every((m) => stored.some((s) => s.id === m.id))).toBe(true);

    const retried = app.outbox.filter((e) => e.state === 'pending' && e.error).length;
    console.log(
      `sdk e2e: ${sentWhileUp} of 100 sent before the gateway stopped; ${retried} retryable failures retried; ` +
        `connection states ${app.states.join(' → ')}`,
    );
    await desk.ask('conversation.close', { conversationId });
  }, 240_000);

  it('delivers once what an app left pending when it was closed (one answer lost on the way), after a restart on the same storage', async () => {
    const storage = memoryStorage();
    // An app offline after its first send reached the server but its answer was lost.
    let posts = 0;
    const flaky: FetchLike = async (input, init) => {
      if (init.method === 'POST' && input.endsWith('/v1/visitor/messages')) {
        posts += 1;
        if (posts === 1) {
          await globalThis.fetch(input, init);
          throw new TypeError('network connection lost');
        }
        throw new TypeError('offline');
      }
      return globalThis.fetch(input, init);
    };
    const before = client(storage, flaky);
    await before.sdk.start();
    const expected = ['first', 'second', 'third', 'fourth', 'fifth'];
    for (const text of expected) await before.sdk.send(text);
    await waitFor(() => posts >= 3, { what: 'the first message retried' });
    await before.sdk.stop();
    expect(before.sdk.outbox().map((e) => e.state)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);

    // The app starts again: a new client on the same storage, online.
    const after = client(storage);
    await after.sdk.start();
    expect(after.sdk.visitorId).toBe(before.sdk.visitorId);
    await waitFor(() => after.sdk.outbox().length === 0, { timeoutMs: 60_000, what: 'the outbox empty' });
    const sentEntries = after.outbox.filter((e) => e.state === 'sent');
    expect(sentEntries.map((e) => e.text)).toEqual(expected);
    expect(sentEntries.map((e) => e.clientMessageId)).toEqual(
      before.sdk.outbox().map((e) => e.clientMessageId),
    );

    const stored = await storedMessages(await tokenIn(storage), sentEntries[0].conversationId!);
    expect(texts(stored)).toEqual(expected);
    // Shown once each across the two runs: what the first run showed, its cursor (stored) skips.
    const shown = () => [...before.shown, ...after.shown];
    await waitFor(() => shown().length >= 5, { what: 'the app shown the five messages' });
    expect(texts(shown())).toEqual(expected);
  });

  it("shows the agent's answers and each close once: heard live, or found on resync by an app that was away", async () => {
    const { desk } = await sut.agentAtDesk(factory.agent());
    const storage = memoryStorage();
    const app = client(storage);
    const closes: { conversationId: string; reason: string }[] = [];
    app.sdk.on('conversationClosed', (c) => closes.push(c));
    await app.sdk.start();
    await waitFor(() => app.sdk.connectionState === 'connected', { what: 'the SDK connected' });

    const hello = await app.sdk.settled((await app.sdk.send('hello')).clientMessageId);
    const first = hello!.conversationId!;
    await desk.assigned(first);
    expect((await desk.send(first, 'Bonjour, que puis-je faire ?')).ok).toBe(true);
    await waitFor(() => app.shown.some((m) => m.author.type === 'agent'), {
      what: "the agent's answer shown",
    });
    expect((await desk.ask('conversation.close', { conversationId: first })).ok).toBe(true);
    await waitFor(() => closes.length === 1, { what: 'the close heard live' });
    expect(closes).toEqual([{ conversationId: first, reason: 'agent' }]);

    // R13: writing again starts another conversation; it is closed while the app is away.
    const again = await app.sdk.settled((await app.sdk.send('one more thing')).clientMessageId);
    const second = again!.conversationId!;
    expect(second).not.toBe(first);
    await desk.assigned(second);
    await waitFor(() => app.shown.some((m) => m.text === 'one more thing'), {
      what: 'the second message shown',
    });
    await app.sdk.stop();
    expect((await desk.ask('conversation.close', { conversationId: second })).ok).toBe(true);

    const back = client(storage);
    const closesBack: { conversationId: string; reason: string }[] = [];
    back.sdk.on('conversationClosed', (c) => closesBack.push(c));
    await back.sdk.start();
    await waitFor(() => closesBack.length > 0, { what: 'the close found on resync' });
    await waitFor(() => back.sdk.connectionState === 'connected', { what: 'the resync done' });
    expect(closesBack).toEqual([{ conversationId: second, reason: 'agent' }]);
    expect(texts(app.shown)).toEqual(['hello', 'Bonjour, que puis-je faire ?', 'one more thing']);
    expect(back.shown).toEqual([]);
  });

  describe('tokens (docs/contract.md, Tokens)', () => {
    const jwt = new JwtService({ secret: JWT_SECRET });
    const HOUR = 3600;
    const DAY = 24 * HOUR;
    /** A visitor token as the gateway signs them, issued `age` seconds ago with an 8-day life. */
    const tokenAged = (visitorId: string, age: number) => {
      const iat = Math.floor(Date.now() / 1000) - age;
      return jwt.sign({ sub: visitorId, role: 'visitor', channel: 'mobile_app', iat, exp: iat + 8 * DAY });
    };
    /** A registered visitor whose stored token is replaced by `token(visitorId)`. */
    const storedVisitor = async (token: (visitorId: string) => string) => {
      const first = client();
      await first.sdk.start();
      const visitorId = await waitFor(() => first.sdk.visitorId, { what: 'a visitor registered' });
      await first.sdk.stop();
      await first.storage.setItem(
        'pupitre.visitor',
        JSON.stringify({ visitorId, token: token(visitorId), channel: 'mobile_app' }),
      );
      return { visitorId, storage: first.storage };
    };
    const recording = () => {
      const paths: string[] = [];
      const fetch: FetchLike = (input, init) => {
        paths.push(`${init.method} ${new URL(input).pathname}`);
        return globalThis.fetch(input, init);
      };
      return { paths, fetch };
    };
    const claims = async (storage: ReturnType<typeof memoryStorage>) =>
      jwt.verify<{ sub: string; iat: number }>(await tokenIn(storage));

    it('keeps the renewed token the gateway sends back for a token an hour old or more', async () => {
      const old = await storedVisitor((id) => tokenAged(id, 2 * HOUR));
      const app = client(old.storage);
      await app.sdk.start();
      await app.sdk.conversations();
      await waitFor(async () => (await claims(old.storage)).iat > Date.now() / 1000 - 60, {
        what: 'the renewed token stored',
      });
      expect((await claims(old.storage)).sub).toBe(old.visitorId);
    });

    it('refreshes a token half through its life before using it (POST /v1/visitor/token)', async () => {
      const old = await storedVisitor((id) => tokenAged(id, 5 * DAY));
      const { paths, fetch } = recording();
      const app = client(old.storage, fetch);
      await app.sdk.start();
      await app.sdk.conversations();
      expect(paths).toContain('POST /v1/visitor/token');
      expect(paths.indexOf('POST /v1/visitor/token')).toBeLessThan(
        paths.indexOf('GET /v1/visitor/conversations'),
      );
      expect((await claims(old.storage)).sub).toBe(old.visitorId);
      expect(app.sdk.visitorId).toBe(old.visitorId);
    });

    it('registers a new visitor when the stored token has expired, and still delivers what was sent', async () => {
      const old = await storedVisitor((id) => tokenAged(id, 9 * DAY));
      const app = client(old.storage);
      const changes: { visitorId: string; previousVisitorId?: string }[] = [];
      app.sdk.on('visitor', (v) => changes.push(v));
      await app.sdk.start();
      const entry = await app.sdk.send('back after ten days');
      await expect(app.sdk.settled(entry.clientMessageId)).resolves.toMatchObject({ state: 'sent' });
      expect(app.sdk.visitorId).not.toBe(old.visitorId);
      expect(changes).toEqual([{ visitorId: app.sdk.visitorId, previousVisitorId: old.visitorId }]);
      await waitFor(() => app.shown.some((m) => m.text === 'back after ten days'), {
        what: 'the message shown (the socket reopened as the new visitor)',
      });
    });
  });

  it('reports a refusal that will not change as failed, with the contract code, and moves on', async () => {
    const app = client();
    await app.sdk.start();
    const blank = await app.sdk.send('   ');
    const fine = await app.sdk.send('fine');
    await expect(app.sdk.settled(blank.clientMessageId)).resolves.toMatchObject({
      state: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    });
    await expect(app.sdk.settled(fine.clientMessageId)).resolves.toMatchObject({ state: 'sent' });
  });
});
