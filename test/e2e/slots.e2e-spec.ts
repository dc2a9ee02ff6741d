import { waitFor } from '@pupitre/shared/testing';
import { ISO_TIME } from './support/expectations';
import { factory } from './support/factories';
import type { Desk } from './support/sockets';
import { startSystem, System, Visitor } from './support/system';

const MOBILE_CAPABILITIES = {
  cannedResponses: true,
  block: true,
  emoji: true,
  tags: true,
  attachments: false,
  offersAndLinks: false,
  mirroring: false,
  navigationControl: false,
  transfer: false,
};
const WEB_CAPABILITIES = {
  cannedResponses: true,
  block: true,
  emoji: true,
  tags: true,
  attachments: true,
  offersAndLinks: true,
  mirroring: true,
  navigationControl: true,
  transfer: true,
};
const FIRST_RESPONSE_TIMEOUT_MS = 300_000;

/**
 * R4/R5 through the desk: chat and mobile slots are independent, mobile is fixed at 2, the queue
 * drains when room appears. Each test leaves nothing queued and closes its desks (afterEach), so
 * the next test's agents are the only ones available.
 */
describe('slots and queue (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  const open = async (channel: 'mobile_app' | 'web_chat', text = 'Bonjour') => {
    const visitor = await sut.visitor(channel);
    const { conversationId } = await visitor.say(text);
    return { visitor, conversationId };
  };
  const statusOf = async (visitor: Visitor, conversationId: string) =>
    (await visitor.conversations()).find((c) => c.id === conversationId)?.status;
  const waitStatus = (visitor: Visitor, conversationId: string, status: string) =>
    waitFor(async () => (await statusOf(visitor, conversationId)) === status, {
      what: `${conversationId} ${status}`,
    });
  const waitSlots = (desk: Desk, chat: number, mobile: number) =>
    waitFor(
      () => {
        const s = desk.last('slots.updated');
        return s?.chat.used === chat && s.mobile.used === mobile && s;
      },
      { what: `slots.updated chat ${chat} mobile ${mobile}` },
    );

  it('R4/R5: with its only chat slot taken, an agent still receives two mobile conversations; the third queues and drains to the next agent', async () => {
    const { agent: ana, desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 1 }));
    expect(desk.state.slots).toEqual({ chat: { used: 0, capacity: 1 }, mobile: { used: 0, capacity: 2 } });

    const web1 = await open('web_chat', 'web 1');
    const heldWeb = await desk.assigned(web1.conversationId);
    expect(heldWeb).toMatchObject({
      channel: 'web_chat',
      status: 'assigned',
      capabilities: WEB_CAPABILITIES,
    });

    const mobile1 = await open('mobile_app', 'mobile 1');
    const mobile2 = await open('mobile_app', 'mobile 2');
    for (const { visitor, conversationId } of [mobile1, mobile2]) {
      const view = await desk.assigned(conversationId);
      expect(view).toMatchObject({
        id: conversationId,
        channel: 'mobile_app',
        status: 'assigned',
        visitor: { id: visitor.id, platform: 'ios', blocked: false },
        tags: [],
        messages: [expect.objectContaining({ author: { type: 'visitor', id: visitor.id } })],
        capabilities: MOBILE_CAPABILITIES,
        deadlines: { reassignAt: expect.stringMatching(ISO_TIME) },
        assignedAt: expect.stringMatching(ISO_TIME),
      });
      // R9: the first-response clock starts at this assignment.
      expect(Date.parse(view.deadlines.reassignAt!) - Date.parse(view.assignedAt!)).toBe(
        FIRST_RESPONSE_TIMEOUT_MS,
      );
      await waitStatus(visitor, conversationId, 'assigned');
    }
    expect(await waitSlots(desk, 1, 2)).toEqual({
      chat: { used: 1, capacity: 1 },
      mobile: { used: 2, capacity: 2 },
    });
    expect(await sut.admin.agent(ana.id)).toMatchObject({
      status: 'available',
      slots: { chat: { used: 1, capacity: 1 }, mobile: { used: 2, capacity: 2 } },
    });

    const mobile3 = await open('mobile_app', 'mobile 3');
    const web2 = await open('web_chat', 'web 2');
    await waitStatus(mobile3.visitor, mobile3.conversationId, 'queued');
    await waitStatus(web2.visitor, web2.conversationId, 'queued');

    // desk.state on (re)connect lists what the agent holds, with their messages.
    const again = await sut.desk(ana.token);
    expect(again.state.slots).toEqual({ chat: { used: 1, capacity: 1 }, mobile: { used: 2, capacity: 2 } });
    expect(again.state.conversations.map((c) => c.id).sort()).toEqual(
      [web1.conversationId, mobile1.conversationId, mobile2.conversationId].sort(),
    );
    const stateOf = (id: string) => again.state.conversations.find((c) => c.id === id)!;
    expect(stateOf(mobile1.conversationId)).toMatchObject({
      channel: 'mobile_app',
      status: 'assigned',
      capabilities: MOBILE_CAPABILITIES,
      deadlines: { reassignAt: expect.stringMatching(ISO_TIME) },
      messages: [expect.objectContaining({ text: 'mobile 1' })],
    });
    expect(stateOf(web1.conversationId)).toMatchObject({
      channel: 'web_chat',
      capabilities: WEB_CAPABILITIES,
      messages: [expect.objectContaining({ text: 'web 1' })],
    });

    const { agent: ben, desk: second } = await sut.agentAtDesk(factory.agent({ chatCapacity: 3 }));
    await second.holds(mobile3.conversationId);
    await second.holds(web2.conversationId);
    await waitStatus(mobile3.visitor, mobile3.conversationId, 'assigned');
    await waitStatus(web2.visitor, web2.conversationId, 'assigned');
    await waitFor(async () => {
      const slots = (await sut.admin.agent(ben.id)).slots;
      return slots.chat.used === 1 && slots.mobile.used === 1;
    });
    expect(desk.held()).toEqual(
      new Set([web1.conversationId, mobile1.conversationId, mobile2.conversationId]),
    );
  });

  it('R4: an agent with no chat slot at all (chatCapacity 0) receives mobile conversations; raising the capacity drains the web queue', async () => {
    const { agent, desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 0 }));

    const web = await open('web_chat');
    const mobile1 = await open('mobile_app');
    const mobile2 = await open('mobile_app');
    expect((await desk.assigned(mobile1.conversationId)).channel).toBe('mobile_app');
    expect((await desk.assigned(mobile2.conversationId)).channel).toBe('mobile_app');
    expect(await waitSlots(desk, 0, 2)).toEqual({
      chat: { used: 0, capacity: 0 },
      mobile: { used: 2, capacity: 2 },
    });
    await waitStatus(web.visitor, web.conversationId, 'queued');
    expect(desk.held().has(web.conversationId)).toBe(false);

    expect((await sut.admin.updateAgent(agent.id, { chatCapacity: 1 })).status).toBe(200);

    expect((await desk.assigned(web.conversationId)).channel).toBe('web_chat');
    expect(await waitSlots(desk, 1, 2)).toEqual({
      chat: { used: 1, capacity: 1 },
      mobile: { used: 2, capacity: 2 },
    });
  });

  it('R4, the reverse: with both mobile slots taken, an agent still receives web chats', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 2 }));

    const mobiles = [await open('mobile_app'), await open('mobile_app')];
    for (const m of mobiles) await desk.assigned(m.conversationId);
    const web1 = await open('web_chat');
    const web2 = await open('web_chat');

    expect((await desk.assigned(web1.conversationId)).capabilities).toEqual(WEB_CAPABILITIES);
    expect((await desk.assigned(web2.conversationId)).capabilities).toEqual(WEB_CAPABILITIES);
    expect(await waitSlots(desk, 2, 2)).toEqual({
      chat: { used: 2, capacity: 2 },
      mobile: { used: 2, capacity: 2 },
    });
  });

  it('an away agent receives nothing; back to available, the queue drains to them', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    expect(await desk.ask('agent.status', { status: 'away' })).toEqual({ ok: true });
    await sut.admin.waitStatus(agent.id, 'away');

    const waiting = await open('web_chat');
    await waitStatus(waiting.visitor, waiting.conversationId, 'queued');
    expect(desk.held().size).toBe(0);

    expect(await desk.ask('agent.status', { status: 'available' })).toEqual({ ok: true });
    await desk.assigned(waiting.conversationId);
  });

  it('closing frees the slot at once: slots.updated goes down, and a queued conversation takes its place', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 1 }));
    const first = await open('web_chat');
    await desk.assigned(first.conversationId);
    await waitSlots(desk, 1, 0);
    // The desk may have seen used 0 before (its snapshot on connecting): count from the first 1.
    const from = desk.all('slots.updated').length - 1;
    const waiting = await open('web_chat');
    await waitStatus(waiting.visitor, waiting.conversationId, 'queued');

    expect(await desk.ask('conversation.close', { conversationId: first.conversationId })).toEqual({
      ok: true,
    });

    await desk.assigned(waiting.conversationId);
    // slots.updated is a snapshot: a repeat of the same counts carries nothing, so compare changes.
    const chatUsed = await waitFor(() => {
      const seen = desk
        .all('slots.updated')
        .slice(from)
        .map((s) => s.chat.used)
        .filter((n, i, all) => i === 0 || n !== all[i - 1]);
      return seen.length >= 3 && seen;
    });
    expect(chatUsed).toEqual([1, 0, 1]);
  });
});
