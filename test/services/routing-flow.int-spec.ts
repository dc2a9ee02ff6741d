import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
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

/** Conversation, routing and billing on a real broker and database, driven as the gateway would. */
function system(timeouts: Record<string, string>) {
  const ctx = {
    apps: [] as INestApplication[],
    rq: null as unknown as TestRequester,
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
  });
  afterAll(async () => {
    await ctx.rq?.stop();
    await Promise.allSettled(ctx.apps.reverse().map((app) => app.close()));
  });
  return ctx;
}

function drive(ctx: ReturnType<typeof system>) {
  const agent = async (chatCapacity: number) => {
    const id = randomUUID();
    const a = await ctx.rq.call('routing', 'agent.create', {
      agentId: id,
      name: `agent ${id.slice(0, 4)}`,
      chatCapacity,
    });
    await ctx.rq.call('routing', 'desk.connect', {
      agentId: id,
      tokenVersion: a.tokenVersion,
      connectionId: randomUUID(),
      gatewayInstance: 'test',
    });
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
  const say = async (visitorId: string, text = 'hello') =>
    (
      await ctx.rq.call('conversation', 'visitor.post-message', {
        visitorId,
        text,
        clientMessageId: randomUUID(),
      })
    ).conversationId;
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
  return { agent, visitor, say, holderOf, waitHeldBy };
}

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
    await waitFor(() => ctx.rq.eventsOf('conversation.queued').some((e) => e.key === m3));
    expect(d.holderOf(web2)).toBeNull();
    expect(d.holderOf(m3)).toBeNull();

    const why = ctx.rq.eventsOf('conversation.assigned').find((e) => e.key === m2)?.value.data?.explanation;
    expect(why).toMatch(/mobile slot/); // routing explains every choice

    const listed = await ctx.rq.call('routing', 'agent.get', { agentId: a });
    expect(listed.slots).toEqual({ chat: { used: 1, capacity: 1 }, mobile: { used: 2, capacity: 2 } });

    const b = await d.agent(3);
    await d.waitHeldBy(web2, b);
    await d.waitHeldBy(m3, b);
  });

  it('R7: released after a visitor message, it goes straight back to the queue and to another agent', async () => {
    const a = await d.agent(1);
    const conv = await d.say(await d.visitor('web_chat'));
    await waitFor(() => d.holderOf(conv));
    const holder = d.holderOf(conv)!;
    const other = holder === a ? await d.agent(1) : a;
    await ctx.rq.call('routing', 'conversation.release', { agentId: holder, conversationId: conv });
    await d.waitHeldBy(conv, other);
  });

  it('R8: released after the agent wrote, it waits; the visitor writing again queues it', async () => {
    await d.agent(3);
    const v = await d.visitor('mobile_app');
    const conv = await d.say(v);
    const holder = await waitFor(() => d.holderOf(conv));
    await waitFor(
      async () =>
        (
          await ctx.rq.ask('conversation', 'agent.post-message', {
            agentId: holder,
            conversationId: conv,
            text: 'hi',
            clientMessageId: randomUUID(),
          })
        ).ok,
    );
    await waitFor(() =>
      ctx.rq
        .eventsOf('conversation.deadlines-changed')
        .some(
          (e) =>
            e.key === conv &&
            e.value.data!.deadlines &&
            (e.value.data!.deadlines as { closeAt?: string }).closeAt,
        ),
    );
    await ctx.rq.call('routing', 'conversation.release', { agentId: holder, conversationId: conv });
    await waitFor(() =>
      ctx.rq
        .eventsOf('conversation.unassigned')
        .some((e) => e.key === conv && e.value.data!.next === 'released'),
    );
    expect(d.holderOf(conv)).toBeNull();
    expect(await d.say(v, 'are you there?')).toBe(conv);
    await waitFor(() => d.holderOf(conv));
  });

  it('refuses a release by an agent who does not hold the conversation', async () => {
    const intruder = await d.agent(0);
    await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await waitFor(() => d.holderOf(conv));
    const r = await ctx.rq.ask('routing', 'conversation.release', {
      agentId: intruder,
      conversationId: conv,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('R3: transfer is refused on mobile, and on web chat needs a free chat slot', async () => {
    const target = await d.agent(0);
    const mobile = await d.say(await d.visitor('mobile_app'));
    const mHolder = await waitFor(() => d.holderOf(mobile));
    const refused = await ctx.rq.ask('routing', 'conversation.transfer', {
      agentId: mHolder,
      conversationId: mobile,
      toAgentId: target,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FEATURE_UNAVAILABLE_ON_CHANNEL' } });

    const web = await d.say(await d.visitor('web_chat'));
    const wHolder = await waitFor(() => d.holderOf(web));
    const full = await ctx.rq.ask('routing', 'conversation.transfer', {
      agentId: wHolder,
      conversationId: web,
      toAgentId: target,
    });
    expect(full).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await ctx.rq.call('routing', 'agent.update', { agentId: target, chatCapacity: 1 });
    await ctx.rq.call('routing', 'conversation.transfer', {
      agentId: wHolder,
      conversationId: web,
      toAgentId: target,
    });
    await d.waitHeldBy(web, target);
    const moved = ctx.rq.eventsOf('conversation.unassigned').find((e) => e.key === web);
    expect(moved?.value.data).toMatchObject({ agentId: wHolder, reason: 'transferred' });
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
    const unassigned = ctx.rq.eventsOf('conversation.unassigned').find((e) => e.key === conv);
    expect(unassigned?.value.data).toMatchObject({
      agentId: a,
      reason: 'first_response_timeout',
      next: 'queued',
    });
  });

  it('R11 + R14: the agent wrote last and the visitor stayed silent: closed for inactivity, the writer paid once', async () => {
    const conv = await d.say(await d.visitor('mobile_app'));
    const holder = await waitFor(() => d.holderOf(conv));
    const sent = await ctx.rq.call('conversation', 'agent.post-message', {
      agentId: holder,
      conversationId: conv,
      text: 'bye',
      clientMessageId: randomUUID(),
    });
    const closed = await waitFor(() => ctx.rq.eventsOf('conversation.closed').find((e) => e.key === conv), {
      timeoutMs: 10000,
    });
    expect(closed.value.data).toMatchObject({
      reason: 'inactivity',
      lastAgentMessage: { messageId: sent.messageId, agentId: holder },
    });
    const paid = await waitFor(
      () =>
        ctx.rq.seen.filter((s) => s.topic === BILLING_REMUNERATIONS && s.key === conv).length === 1 &&
        ctx.rq.seen.filter((s) => s.topic === BILLING_REMUNERATIONS && s.key === conv),
    );
    expect(paid[0].value).toMatchObject({
      conversationId: conv,
      agentId: holder,
      channel: 'mobile_app',
      closeReason: 'inactivity',
      amountMinor: 150,
      currency: 'EUR',
    });
    const listed = await ctx.rq.call('billing', 'remunerations.list', {
      agentId: holder,
      from: null,
      to: null,
    });
    expect(listed.items.filter((i) => i.conversationId === conv)).toHaveLength(1);
  });

  it('R9 after a restart: an agent reply that routing had not read yet keeps the conversation with its agent', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const assignedAt = Date.parse(
      ctx.rq.eventsOf('conversation.assigned').find((e) => e.key === conv)!.value.data!.assignedAt as string,
    );
    const ROUTING = 1; // system() starts conversation, routing, billing
    await ctx.apps[ROUTING].close();
    // Other visitors keep writing meanwhile: a backlog routing will take a while to read again.
    const others = await Promise.all(Array.from({ length: 20 }, () => d.visitor('web_chat')));
    for (let round = 0; round < 20; round++) await Promise.all(others.map((v) => d.say(v)));
    // In time for R9, but routing is down: the reply waits on conversation.events, behind the backlog.
    await ctx.rq.call('conversation', 'agent.post-message', {
      agentId: a,
      conversationId: conv,
      text: 'here I am',
      clientMessageId: randomUUID(),
    });
    await waitFor(() => Date.now() > assignedAt + 1500 + 300, { what: 'the R9 deadline to pass' });
    ctx.apps[ROUTING] = (await startRouting(ctx.vars)).app;
    // Routing read the reply (R9 no longer applies)...
    const changed = (e: { key: string | null; value: { data?: Record<string, unknown> } }) =>
      e.key === conv && !(e.value.data!.deadlines as { reassignAt?: string }).reassignAt;
    await waitFor(() => ctx.rq.eventsOf('conversation.deadlines-changed').find(changed), {
      what: 'routing to read the reply',
      timeoutMs: 20000,
    });
    // ...and took nothing away before (events of one conversation are in order on its key).
    expect(ctx.rq.eventsOf('conversation.unassigned').filter((e) => e.key === conv)).toEqual([]);
    expect(d.holderOf(conv)).toBe(a);
  });
});

describe('routing: a conversation taken away waits for someone else (R9, reading "Who gets it")', () => {
  const ctx = system({ FIRST_RESPONSE_TIMEOUT_MS: '1000', RESPONSE_TIMEOUT_MS: '600000' });
  const d = drive(ctx);

  it('with nobody else available it waits in the queue a first-response period, then may return', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    const unassigned = await waitFor(() =>
      ctx.rq.eventsOf('conversation.unassigned').find((e) => e.key === conv),
    );
    expect(unassigned.value.data).toMatchObject({ agentId: a, reason: 'first_response_timeout' });
    const back = await waitFor(() =>
      ctx.rq
        .eventsOf('conversation.assigned')
        .filter((e) => e.key === conv)
        .at(1),
    );
    expect(back.value.data!.agentId).toBe(a);
    // Taken away no earlier than 1 s after the first assignment, back no earlier than 1 s after that.
    const first = ctx.rq.eventsOf('conversation.assigned').find((e) => e.key === conv)!;
    const at = (e: typeof first) => Date.parse(e.value.data!.assignedAt as string);
    expect(at(back) - at(first)).toBeGreaterThanOrEqual(2000);
    await ctx.rq.call('routing', 'agent.set-status', { agentId: a, status: 'away' }); // out of the next test
  });

  it('an agent who becomes available during the wait gets it', async () => {
    const a = await d.agent(3);
    const conv = await d.say(await d.visitor('web_chat'));
    await d.waitHeldBy(conv, a);
    await waitFor(() => ctx.rq.eventsOf('conversation.unassigned').find((e) => e.key === conv));
    const b = await d.agent(3);
    await d.waitHeldBy(conv, b);
  });
});
