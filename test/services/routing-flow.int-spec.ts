import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import {
  BILLING_REMUNERATIONS,
  Channel,
  CONVERSATION_EVENTS,
  kafkaEnvSchema,
  parseEnv,
  ROUTING_EVENTS,
} from '@pupitre/shared';
import { isolatedTestEnv, TestRequester, waitFor } from '@pupitre/shared/testing';
import { startBilling } from '../../apps/billing/src/main';
import { startConversation } from '../../apps/conversation/src/main';
import { startRouting } from '../../apps/routing/src/main';

type Seen = TestRequester['seen'][number];

/** Conversation, routing and billing on a real broker and database, driven as the gateway would. */
function system(timeouts: Record<string, string>) {
  const ctx = {
    apps: [] as INestApplication[],
    rq: null as unknown as TestRequester,
    db: null as unknown as Client,
    vars: {} as NodeJS.ProcessEnv,
  };
  beforeAll(async () => {
    const env = await isolatedTestEnv('routing');
    const vars = { ...process.env, ...env.vars, SWEEP_INTERVAL_MS: '100', ...timeouts };
    ctx.vars = vars;
    for (const start of [startConversation, startRouting, startBilling])
      ctx.apps.push((await start(vars)).app);
    ctx.rq = new TestRequester(parseEnv(kafkaEnvSchema, vars));
    await ctx.rq.start([ROUTING_EVENTS, CONVERSATION_EVENTS, BILLING_REMUNERATIONS]);
    ctx.db = new Client({ connectionString: env.databaseUrl });
    await ctx.db.connect();
  });
  afterAll(async () => {
    await ctx.rq?.stop();
    await ctx.db?.end();
    await Promise.allSettled(ctx.apps.reverse().map((app) => app.close()));
  });
  return ctx;
}

/**
 * A factory of agents, visitors and conversations for one case. After each case every conversation
 * it opened is closed (routing has freed the slot) and every agent it made is disconnected, so the
 * next case starts with nobody reachable and an empty queue.
 */
function drive(ctx: ReturnType<typeof system>) {
  let agents: { id: string; connectionId: string }[] = [];
  let conversations = new Map<string, string>(); // conversationId → visitorId

  const agent = async (chatCapacity: number) => {
    const id = randomUUID();
    const connectionId = randomUUID();
    const a = await ctx.rq.call('routing', 'agent.create', {
      agentId: id,
      name: `agent ${id.slice(0, 4)}`,
      chatCapacity,
    });
    await ctx.rq.call('routing', 'desk.connect', {
      agentId: id,
      tokenVersion: a.tokenVersion,
      connectionId,
      gatewayInstance: 'test',
    });
    agents.push({ id, connectionId });
    return id;
  };
  const visitor = async (channel: Channel) => {
    const id = randomUUID();
    await ctx.rq.call('conversation', 'visitor.register', {
      visitorId: id,
      channel,
      name: null,
      platform: null,
    });
    return id;
  };
  const say = async (visitorId: string, text = 'hello') => {
    const { conversationId } = await ctx.rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text,
      clientMessageId: randomUUID(),
    });
    conversations.set(conversationId, visitorId);
    return conversationId;
  };
  const eventsAbout = (type: string, conversationId: string) =>
    ctx.rq.eventsOf(type).filter((e) => e.key === conversationId);
  const holderOf = (conversationId: string) => {
    const events = ctx.rq.seen.filter(
      (s) =>
        s.topic === ROUTING_EVENTS &&
        s.key === conversationId &&
        ['conversation.assigned', 'conversation.unassigned'].includes(s.value.type!),
    );
    const last = events[events.length - 1];
    return last?.value.type === 'conversation.assigned' ? (last.value.data!.agentId as string) : null;
  };
  const waitHeldBy = (conversationId: string, agentId: string) =>
    waitFor(() => holderOf(conversationId) === agentId, { what: `${conversationId} held by ${agentId}` });
  /** The agent writes as soon as conversation's projection knows they hold it. */
  const reply = (agentId: string, conversationId: string, text = 'hi') =>
    waitFor(async () => {
      const r = await ctx.rq.ask('conversation', 'agent.post-message', {
        agentId,
        conversationId,
        text,
        clientMessageId: randomUUID(),
      });
      return r.ok && (r.data as { messageId: string });
    });
  const heldInRouting = async (agentId: string, conversationId: string) =>
    (await ctx.rq.call('routing', 'agent.desk', { agentId })).held.some(
      (h) => h.conversationId === conversationId,
    );

  const closeEverything = async () => {
    if (conversations.size > 0) await agent(20); // takes whatever is still queued
    const nudged = new Set<string>();
    const closeOne = ([conversationId, visitorId]: [string, string]) =>
      waitFor(
        async () => {
          if (eventsAbout('conversation.closed', conversationId).length > 0) return true;
          const holder = holderOf(conversationId);
          if (holder === null) {
            const left = eventsAbout('conversation.unassigned', conversationId).at(-1);
            if (left?.value.data!.next === 'released' && !nudged.has(conversationId)) {
              nudged.add(conversationId);
              await say(visitorId, 'still there?'); // R8 requeues it
            }
            return false;
          }
          const closed = await ctx.rq.ask('conversation', 'agent.close', { agentId: holder, conversationId });
          if (!closed.ok) return false;
          return waitFor(async () => !(await heldInRouting(holder, conversationId)));
        },
        { what: `${conversationId} closed`, timeoutMs: 20000 },
      );
    await Promise.all([...conversations].map(closeOne));
    for (const a of agents)
      await ctx.rq.call('routing', 'desk.disconnect', { agentId: a.id, connectionId: a.connectionId });
    agents = [];
    conversations = new Map();
  };
  afterEach(closeEverything, 60000);

  return { agent, visitor, say, holderOf, waitHeldBy, reply, eventsAbout, heldInRouting };
}

const assignedAt = (e: Seen) => Date.parse(e.value.data!.assignedAt as string);

describe('routing: slots, queue and release', () => {
  const ctx = system({ FIRST_RESPONSE_TIMEOUT_MS: '600000' });
  const d = drive(ctx);

  it('R4/R5: an agent with full chat slots still receives two mobile conversations; the third queues and drains to the next agent', async () => {
    const a = await d.agent(1);
    const web1 = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(web1, a);
    const web2 = await d.say(await d.visitor('web_chat'));
    const m1 = await d.say(await d.visitor('mobile_app'));
    const m2 = await d.say(await d.visitor('mobile_app'));
    await d.waitHeldBy(m1, a);
    await d.waitHeldBy(m2, a);
    const m3 = await d.say(await d.visitor('mobile_app'));
    await waitFor(() => d.eventsAbout('conversation.queued', m3).length > 0);
    await waitFor(() => d.eventsAbout('conversation.queued', web2).length > 0);
    expect(d.holderOf(web2)).toBeNull();
    expect(d.holderOf(m3)).toBeNull();

    const why = d.eventsAbout('conversation.assigned', m2)[0]?.value.data?.explanation;
    expect(why).toMatch(/mobile slot/); // routing explains every choice

    const listed = await ctx.rq.call('routing', 'agent.get', { agentId: a });
    expect(listed.slots).toEqual({ chat: { used: 1, capacity: 1 }, mobile: { used: 2, capacity: 2 } });

    const b = await d.agent(3);
    await d.waitHeldBy(web2, b);
    await d.waitHeldBy(m3, b);
    expect([d.holderOf(web2), d.holderOf(m3)]).toEqual([b, b]);
  });

  it('queue.changed: the channel queue in order with each visitor, after each change; published again when a gateway instance starts', async () => {
    const latest = () =>
      ctx.rq
        .eventsOf('queue.changed')
        .filter((e) => e.key === 'web_chat')
        .map(
          (e) => e.value.data as { version: number; queued: { conversationId: string; visitorId: string }[] },
        )
        .reduce<{ version: number; queued: { conversationId: string; visitorId: string }[] } | null>(
          (a, b) => (a && a.version > b.version ? a : b),
          null,
        );
    const a = await d.agent(1);
    const held = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(held, a);
    const [v1, v2] = [await d.visitor('web_chat'), await d.visitor('web_chat')];
    const c1 = await d.say(v1);
    const c2 = await d.say(v2);
    const both = [
      { conversationId: c1, visitorId: v1 },
      { conversationId: c2, visitorId: v2 },
    ];
    // The relay's payload is jsonb: compare entries, not key order.
    const queuedNow = () =>
      latest()
        ?.queued.map((q) => `${q.conversationId}/${q.visitorId}`)
        .join(' ');
    const queueOf = (entries: typeof both) =>
      entries.map((q) => `${q.conversationId}/${q.visitorId}`).join(' ');
    await waitFor(() => queuedNow() === queueOf(both), { what: 'queue [c1, c2]' });

    await waitFor(
      async () => (await ctx.rq.ask('conversation', 'agent.close', { agentId: a, conversationId: held })).ok,
    );
    await d.waitHeldBy(c1, a);
    await waitFor(() => queuedNow() === queueOf(both.slice(1)), {
      what: 'queue [c2]',
    });

    const before = latest()!.version;
    await ctx.rq.call('routing', 'desk.instance-started', { gatewayInstance: `gw-${randomUUID()}` });
    const again = await waitFor(() => (latest()!.version > before ? latest() : null), {
      what: 'queue published again',
    });
    expect(again!.queued).toEqual([expect.objectContaining(both[1])]);
  });

  it('R5: routing itself refuses a mobileCapacity on agent.create and agent.update', async () => {
    const created = await ctx.rq.ask('routing', 'agent.create', {
      agentId: randomUUID(),
      name: 'Ana',
      chatCapacity: 3,
      mobileCapacity: 4,
    } as never);
    expect(created).toMatchObject({ ok: false, error: { code: 'MOBILE_CAPACITY_FIXED' } });

    const a = await d.agent(3);
    const updated = await ctx.rq.ask('routing', 'agent.update', { agentId: a, mobileCapacity: 2 } as never);
    expect(updated).toMatchObject({ ok: false, error: { code: 'MOBILE_CAPACITY_FIXED' } });
    const after = await ctx.rq.call('routing', 'agent.get', { agentId: a });
    expect(after).toMatchObject({ chatCapacity: 3, mobileCapacity: 2 });
  });

  it('R7: released after a visitor message, it goes straight back to the queue and to another agent', async () => {
    const a = await d.agent(1);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const b = await d.agent(1);
    await ctx.rq.call('routing', 'conversation.release', { agentId: a, conversationId: conv });
    await d.waitHeldBy(conv, b);
    expect(d.eventsAbout('conversation.unassigned', conv).map((e) => e.value.data)).toEqual([
      expect.objectContaining({ agentId: a, reason: 'released', next: 'queued' }),
    ]);
    expect(d.eventsAbout('conversation.queued', conv)).toHaveLength(2); // opened, then released
    expect(await d.heldInRouting(a, conv)).toBe(false);
    // Each of routing's events about it carries its version, rising (conversation's copy drops older).
    const versions = ctx.rq.seen
      .filter((s) => s.topic === ROUTING_EVENTS && s.key === conv && s.value.data?.version !== undefined)
      .map((s) => s.value.data!.version as number);
    expect(versions.length).toBeGreaterThanOrEqual(5); // queued, assigned, unassigned, queued, assigned
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('R8: released after the agent wrote, it waits; the visitor writing again queues it', async () => {
    const a = await d.agent(3);
    const v = await d.visitor('mobile_app');
    const conv = await d.say(v);
    await d.waitHeldBy(conv, a);
    await d.reply(a, conv);
    await waitFor(() =>
      d
        .eventsAbout('conversation.deadlines-changed', conv)
        .some((e) => (e.value.data!.deadlines as { closeAt?: string }).closeAt),
    );
    await ctx.rq.call('routing', 'conversation.release', { agentId: a, conversationId: conv });
    const released = await waitFor(() => d.eventsAbout('conversation.unassigned', conv)[0]);
    expect(released.value.data).toMatchObject({ agentId: a, reason: 'released', next: 'released' });
    expect(d.holderOf(conv)).toBeNull();
    expect(await d.heldInRouting(a, conv)).toBe(false);
    expect(d.eventsAbout('conversation.queued', conv)).toHaveLength(1); // only the opening: it waits

    expect(await d.say(v, 'are you there?')).toBe(conv);
    await waitFor(() => d.eventsAbout('conversation.queued', conv).length === 2);
    await d.waitHeldBy(conv, a);
    expect(d.holderOf(conv)).toBe(a);
  });

  it("R10: a visitor's further messages move routing's deadline; it publishes R10's window once, and views move with it", async () => {
    const a = await d.agent(3);
    const v = await d.visitor('web_chat');
    const conv = await d.say(v);
    await d.waitHeldBy(conv, a);
    await d.reply(a, conv);
    for (const text of ['one', 'two', 'three']) await d.say(v, text);
    // R10 counts from the visitor's last message: its time, as conversation wrote it, plus R10.
    const posted = (text: string) =>
      d
        .eventsAbout('message.posted', conv)
        .map((e) => e.value.data!.message as { text: string; createdAt: string })
        .find((m) => m.text === text);
    const last = await waitFor(() => posted('three'));
    const r10 = Number(ctx.vars.RESPONSE_TIMEOUT_MS ?? 12 * 3600_000);
    const dueAfter = (m: { createdAt: string }) => new Date(Date.parse(m.createdAt) + r10).toISOString();
    const due = dueAfter(last);
    // Routing acts on the last message's deadline...
    const held = await waitFor(
      async () => {
        const desk = await ctx.rq.call('routing', 'agent.desk', { agentId: a });
        const h = desk.held.find((x) => x.conversationId === conv);
        return h?.deadlines.reassignAt === due ? h : undefined;
      },
      { what: "routing's deadline at the last visitor message" },
    );
    // ...but published them once, when R10 started (the visitor's first message after the agent's),
    // with its window; the desk read carries that event's version and the window.
    const deadlineEvents = () =>
      d.eventsAbout('conversation.deadlines-changed', conv).map((e) => e.value.data!);
    await waitFor(() => deadlineEvents().some((p) => p.responseWindowMs !== undefined), {
      what: "the event that started R10, on this test's consumer",
    });
    const published = deadlineEvents();
    expect(published.filter((p) => p.responseWindowMs !== undefined)).toEqual([
      expect.objectContaining({ deadlines: { reassignAt: dueAfter(posted('one')!) }, responseWindowMs: r10 }),
    ]);
    expect(published.at(-1)!.responseWindowMs).toBe(r10);
    expect(held).toMatchObject({ responseWindowMs: r10, version: published.at(-1)!.version });
    // Conversation's view moves its copy with the visitor messages it shows: the same deadline.
    await waitFor(
      async () => {
        const view = await ctx.rq.call('conversation', 'conversation.view', { conversationId: conv });
        return view.deadlines.reassignAt === due;
      },
      { what: "conversation's view at the last visitor message" },
    );
    // An upgrade marks the conversations whose R10 runs (migration PublishResponseWindows): the sweep
    // publishes their deadlines again, as routing has them now, with the window and a newer version.
    await ctx.db.query(
      `UPDATE routing.routed_conversations SET deadlines_unpublished = true
        WHERE conversation_id = $1 AND status = 'assigned' AND reassign_reason = 'response_timeout'`,
      [conv],
    );
    const republished = await waitFor(
      () =>
        d
          .eventsAbout('conversation.deadlines-changed', conv)
          .map((e) => e.value.data!)
          .find((p) => (p.version as number) > (published.at(-1)!.version as number)),
      { what: 'the marked deadlines published by the sweep' },
    );
    expect(republished).toMatchObject({ deadlines: { reassignAt: due }, responseWindowMs: r10 });
  });

  it('refuses a release by an agent who does not hold the conversation', async () => {
    const intruder = await d.agent(0);
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const r = await ctx.rq.ask('routing', 'conversation.release', {
      agentId: intruder,
      conversationId: conv,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await d.heldInRouting(a, conv)).toBe(true);
    expect(d.eventsAbout('conversation.unassigned', conv)).toEqual([]);
  });

  it('R3: transfer is refused on mobile, and on web chat needs a free chat slot', async () => {
    const a = await d.agent(3);
    const target = await d.agent(0);
    const mobile = await d.say(await d.visitor('mobile_app'));
    const mHolder = await waitFor(() => d.holderOf(mobile));
    const refused = await ctx.rq.ask('routing', 'conversation.transfer', {
      agentId: mHolder,
      conversationId: mobile,
      toAgentId: mHolder === a ? target : a,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FEATURE_UNAVAILABLE_ON_CHANNEL' } });
    expect(d.holderOf(mobile)).toBe(mHolder);

    const web = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(web, a); // the target has no chat slot
    const full = await ctx.rq.ask('routing', 'conversation.transfer', {
      agentId: a,
      conversationId: web,
      toAgentId: target,
    });
    expect(full).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await ctx.rq.call('routing', 'agent.update', { agentId: target, chatCapacity: 1 });
    await ctx.rq.call('routing', 'conversation.transfer', {
      agentId: a,
      conversationId: web,
      toAgentId: target,
    });
    await d.waitHeldBy(web, target);
    expect(d.eventsAbout('conversation.unassigned', web).map((e) => e.value.data)).toEqual([
      expect.objectContaining({ agentId: a, reason: 'transferred', next: 'transferred' }),
    ]);
    expect((await ctx.rq.call('routing', 'agent.get', { agentId: target })).slots.chat).toEqual({
      used: 1,
      capacity: 1,
    });
  });
});

describe('routing: timeouts (R9, R11) and remuneration (R14)', () => {
  const ctx = system({
    FIRST_RESPONSE_TIMEOUT_MS: '1500',
    RESPONSE_TIMEOUT_MS: '600000',
    INACTIVITY_CLOSE_MS: '1500',
  });
  const d = drive(ctx);

  it('R9: no agent message within the first-response time: taken away and given to another agent', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const b = await d.agent(3);
    await d.waitHeldBy(conv, b);
    const [unassigned] = d.eventsAbout('conversation.unassigned', conv);
    expect(unassigned.value.data).toMatchObject({
      agentId: a,
      reason: 'first_response_timeout',
      next: 'queued',
    });
    const [first, second] = d.eventsAbout('conversation.assigned', conv);
    expect(assignedAt(second) - assignedAt(first)).toBeGreaterThanOrEqual(1500);
  });

  it('R11 + R14: the agent wrote last and the visitor stayed silent: closed for inactivity, the writer paid once', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('mobile_app'));
    await d.waitHeldBy(conv, a);
    const sent = await d.reply(a, conv, 'bye');
    const closed = await waitFor(() => d.eventsAbout('conversation.closed', conv)[0], { timeoutMs: 10000 });
    expect(closed.value.data).toMatchObject({
      reason: 'inactivity',
      lastAgentMessage: { messageId: sent.messageId, agentId: a },
    });
    const paidFor = () => ctx.rq.seen.filter((s) => s.topic === BILLING_REMUNERATIONS && s.key === conv);
    await waitFor(() => paidFor().length > 0);
    const listed = await ctx.rq.call('billing', 'remunerations.list', { agentId: a, from: null, to: null });
    expect(listed.items.filter((i) => i.conversationId === conv)).toHaveLength(1);
    expect(paidFor()).toHaveLength(1);
    expect(paidFor()[0].value).toMatchObject({
      conversationId: conv,
      agentId: a,
      channel: 'mobile_app',
      closeReason: 'inactivity',
      amountMinor: 150,
      currency: 'EUR',
    });
  });

  it('R9 after a restart: an agent reply that routing had not read yet keeps the conversation with its agent', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const ROUTING = 1; // system() starts conversation, routing, billing
    await ctx.apps[ROUTING].close();
    // Other visitors keep writing meanwhile: a backlog routing will take a while to read again.
    const others = await Promise.all(Array.from({ length: 20 }, () => d.visitor('web_chat')));
    for (let round = 0; round < 20; round++) await Promise.all(others.map((v) => d.say(v)));
    // In time for R9, but routing is down: the reply waits on conversation.events, behind the backlog.
    await d.reply(a, conv, 'here I am');
    // Routing's stored R9 deadline, unchanged since routing is down, has passed by the database's clock.
    await waitFor(
      async () =>
        (
          await ctx.db.query(
            'SELECT reassign_at <= now() AS due FROM routing.routed_conversations WHERE conversation_id = $1',
            [conv],
          )
        ).rows[0]?.due === true,
      { what: 'the stored R9 deadline to pass', timeoutMs: 10000 },
    );
    ctx.apps[ROUTING] = (await startRouting(ctx.vars)).app;
    // Routing read the reply (R9 no longer applies)...
    const changed = (e: Seen) =>
      e.key === conv && !(e.value.data!.deadlines as { reassignAt?: string }).reassignAt;
    await waitFor(() => ctx.rq.eventsOf('conversation.deadlines-changed').find(changed), {
      what: 'routing to read the reply',
      timeoutMs: 20000,
    });
    // ...and took nothing away before (events of one conversation are in order on its key).
    expect(d.eventsAbout('conversation.unassigned', conv)).toEqual([]);
    expect(d.holderOf(conv)).toBe(a);
  }, 120_000); // a restart and a backlog to read again: slow on a loaded machine
});

describe('routing: a conversation taken away waits for someone else (R9, reading "Who gets it")', () => {
  const ctx = system({ FIRST_RESPONSE_TIMEOUT_MS: '1000', RESPONSE_TIMEOUT_MS: '600000' });
  const d = drive(ctx);

  it('with nobody else available it waits in the queue a first-response period, then may return', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const unassigned = await waitFor(() => d.eventsAbout('conversation.unassigned', conv)[0]);
    expect(unassigned.value.data).toMatchObject({ agentId: a, reason: 'first_response_timeout' });
    const back = await waitFor(() => d.eventsAbout('conversation.assigned', conv).at(1));
    expect(back.value.data!.agentId).toBe(a);
    // Taken away no earlier than 1 s after the first assignment, back no earlier than 1 s after that.
    const [first] = d.eventsAbout('conversation.assigned', conv);
    expect(assignedAt(back) - assignedAt(first)).toBeGreaterThanOrEqual(2000);
  });

  it('an agent who becomes available during the wait gets it', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    await waitFor(() => d.eventsAbout('conversation.unassigned', conv)[0]);
    const b = await d.agent(3);
    await d.waitHeldBy(conv, b);
    const [, second] = d.eventsAbout('conversation.assigned', conv);
    expect(second.value.data!.agentId).toBe(b);
    // b got it within the first-response period that keeps it from a, counted from when it was queued again.
    const requeuedAt = Date.parse(
      d.eventsAbout('conversation.queued', conv)[1].value.data!.queuedAt as string,
    );
    expect(assignedAt(second) - requeuedAt).toBeLessThanOrEqual(1000);
  });
});
