import type { Message } from '@pupitre/shared';
import { waitFor } from '@pupitre/shared/testing';
import { expectSameText, ISO_TIME, UUID } from './support/expectations';
import { factory, TRICKY_TEXTS } from './support/factories';
import type { Desk, VisitorSocket } from './support/sockets';
import { CreatedAgent, MessagePage, startSystem, System, Visitor } from './support/system';

/**
 * Messages as users see them: idempotent sends, text kept byte for byte on every path (HTTP
 * history, the desk's and the visitor's sockets), history pages. One agent, with room for every
 * conversation of this file, stays at the desk throughout: it receives them all.
 */
describe('messages (e2e)', () => {
  let sut: System;
  let agent: CreatedAgent;
  let desk: Desk;
  beforeAll(async () => {
    sut = await startSystem();
    ({ agent, desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 20 })));
  });
  // Frees the desk's slots: every test opens conversations.
  afterEach(async () => {
    for (const conversationId of desk.held()) await desk.ask('conversation.close', { conversationId });
  });
  afterAll(() => sut?.stop());

  /** A web chat conversation on the desk, the visitor's device listening. */
  const conversation = async (channel: 'web_chat' | 'mobile_app' = 'web_chat') => {
    const visitor = await sut.visitor(channel);
    const socket = await visitor.socket();
    const first = await visitor.say('Bonjour');
    await desk.assigned(first.conversationId);
    return { visitor, socket, conversationId: first.conversationId };
  };
  const history = async (visitor: Visitor, conversationId: string): Promise<Message[]> => {
    const res = await visitor.messages(conversationId, { limit: 200 });
    expect(res.status).toBe(200);
    return res.body.items;
  };
  const heardOnDesk = (id: string) =>
    desk.next('message.created', (p) => p.message.id === id, `message ${id}`).then((p) => p.message);
  const heardByVisitor = (socket: VisitorSocket, id: string) =>
    socket.next('message.created', (p) => p.message.id === id, `message ${id}`).then((p) => p.message);

  describe('idempotent clientMessageId (mobile networks retry)', () => {
    it('a visitor sending the same clientMessageId twice gets the first answer, and one message is stored', async () => {
      const { visitor, conversationId } = await conversation();
      const clientMessageId = factory.clientMessageId();

      const first = await visitor.post('retried', clientMessageId);
      const second = await visitor.post('retried', clientMessageId);
      const [third, fourth] = await Promise.all([
        visitor.post('retried', clientMessageId),
        visitor.post('retried', clientMessageId),
      ]);

      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        conversationId,
        messageId: expect.stringMatching(UUID),
        createdAt: expect.stringMatching(ISO_TIME),
      });
      // The same answer, exactly: nothing added for a retry (the services' `replayed` stays inside).
      for (const again of [second, third, fourth]) {
        expect(again.status).toBe(201);
        expect(again.body).toEqual(first.body);
      }
      const stored = (await history(visitor, conversationId)).filter((m) => m.text === 'retried');
      expect(stored).toEqual([
        {
          id: first.body.messageId,
          conversationId,
          author: { type: 'visitor', id: visitor.id },
          text: 'retried',
          createdAt: first.body.createdAt,
        },
      ]);
    });

    it('the same clientMessageId from two visitors is two messages', async () => {
      const a = await conversation();
      const b = await conversation();
      const clientMessageId = 'shared-id';

      const fromA = await a.visitor.say('from a', clientMessageId);
      const fromB = await b.visitor.say('from b', clientMessageId);

      expect(fromA.conversationId).toBe(a.conversationId);
      expect(fromB.conversationId).toBe(b.conversationId);
      expect(fromA.messageId).not.toBe(fromB.messageId);
    });

    it('an agent sending message.send twice with the same clientMessageId gets the same messageId, and one message is stored', async () => {
      const { visitor, conversationId } = await conversation();
      const clientMessageId = factory.clientMessageId();

      const first = await desk.send(conversationId, 'answer', clientMessageId);
      const second = await desk.send(conversationId, 'answer', clientMessageId);
      const [third, fourth] = await Promise.all([
        desk.send(conversationId, 'answer', clientMessageId),
        desk.send(conversationId, 'answer', clientMessageId),
      ]);

      expect(first).toEqual({ ok: true, messageId: expect.stringMatching(UUID) });
      for (const again of [second, third, fourth]) expect(again).toEqual(first);
      const stored = (await history(visitor, conversationId)).filter((m) => m.author.type === 'agent');
      expect(stored).toEqual([
        {
          id: first.messageId,
          conversationId,
          author: { type: 'agent', id: agent.id },
          text: 'answer',
          createdAt: expect.stringMatching(ISO_TIME),
        },
      ]);
    });
  });

  describe('text byte for byte', () => {
    const cases = Object.entries(TRICKY_TEXTS);

    it.each(cases)(
      '%s, sent by the visitor: same in history, on the desk and on the visitor socket',
      async (_, text) => {
        const { visitor, socket, conversationId } = await conversation();

        const posted = await visitor.post(text);

        expect(posted.status).toBe(201);
        const { messageId } = posted.body;
        const stored = (await history(visitor, conversationId)).find((m) => m.id === messageId);
        expectSameText(stored?.text, text);
        const onDesk = await heardOnDesk(messageId);
        expect(onDesk).toEqual(stored);
        expectSameText(onDesk.text, text);
        const onDevice = await heardByVisitor(socket, messageId);
        expect(onDevice).toEqual(stored);
        expectSameText(onDevice.text, text);
      },
    );

    it.each(cases)(
      '%s, sent by the agent: same in history, on the desk and on the visitor socket',
      async (_, text) => {
        const { visitor, socket, conversationId } = await conversation();

        const ack = await desk.send(conversationId, text);

        expect(ack).toEqual({ ok: true, messageId: expect.stringMatching(UUID) });
        const messageId = ack.messageId!;
        const stored = (await history(visitor, conversationId)).find((m) => m.id === messageId);
        expect(stored?.author).toEqual({ type: 'agent', id: agent.id });
        expectSameText(stored?.text, text);
        const onDesk = await heardOnDesk(messageId);
        expect(onDesk).toEqual(stored);
        expectSameText(onDesk.text, text);
        const onDevice = await heardByVisitor(socket, messageId);
        expect(onDevice).toEqual(stored);
        expectSameText(onDevice.text, text);
      },
    );

    it('the desk view (desk.state) keeps them byte for byte too', async () => {
      const { visitor, conversationId } = await conversation();
      const texts = Object.values(TRICKY_TEXTS);
      for (const text of texts) await visitor.say(text);

      const again = await sut.desk(agent.token);

      const view = again.state.conversations.find((c) => c.id === conversationId);
      const seen = view!.messages.map((m) => m.text);
      expect(seen).toEqual(['Bonjour', ...texts]);
      seen.slice(1).forEach((t, i) => expectSameText(t, texts[i]));
      again.close();
    });

    it('canned responses are sent byte for byte (canned.send, allowed on mobile: R2)', async () => {
      const { visitor, socket, conversationId } = await conversation('mobile_app');
      const canned = await sut.admin.createCanned(factory.canned({ text: TRICKY_TEXTS['ZWJ family'] }));
      const clientMessageId = factory.clientMessageId();

      const ack = await desk.ask('canned.send', {
        conversationId,
        cannedResponseId: canned.id,
        clientMessageId,
      });
      const again = await desk.ask('canned.send', {
        conversationId,
        cannedResponseId: canned.id,
        clientMessageId,
      });

      expect(ack).toEqual({ ok: true, messageId: expect.stringMatching(UUID) });
      expect(again).toEqual(ack);
      const stored = (await history(visitor, conversationId)).filter((m) => m.author.type === 'agent');
      expect(stored).toHaveLength(1);
      expectSameText(stored[0].text, canned.text);
      expectSameText((await heardByVisitor(socket, ack.messageId!)).text, canned.text);
    });

    it("the visitor's name reaches the desk byte for byte", async () => {
      const name = ' Zoë 👩🏽‍💻 مريم ';
      const visitor = await sut.visitor('mobile_app', { name, platform: 'android' });
      const { conversationId } = await visitor.say('Bonjour');

      const view = await desk.assigned(conversationId);

      expect(view.visitor).toEqual({ id: visitor.id, name, platform: 'android', blocked: false });
      expectSameText(view.visitor.name ?? undefined, name);
    });
  });

  describe('the open conversation', () => {
    it('a burst of first messages from one visitor lands in one conversation, none lost', async () => {
      const visitor = await sut.visitor('web_chat');

      const posted = await Promise.all(Array.from({ length: 6 }, (_, i) => visitor.say(`burst ${i}`)));

      const ids = new Set(posted.map((p) => p.conversationId));
      expect(ids.size).toBe(1);
      const [conversationId] = ids;
      expect(await visitor.conversations()).toHaveLength(1);
      await desk.assigned(conversationId);
      const stored = await history(visitor, conversationId);
      expect(stored.map((m) => m.id).sort()).toEqual(posted.map((p) => p.messageId).sort());
    });
  });

  describe('history', () => {
    it('pages oldest first with after / limit / nextCursor, with no gap and no repeat', async () => {
      const { visitor, conversationId } = await conversation();
      const sent = ['Bonjour'];
      for (let i = 1; i <= 6; i++) {
        const text = `message ${i}`;
        if (i % 3 === 0) await desk.send(conversationId, text);
        else await visitor.say(text);
        sent.push(text);
      }
      // 7 messages, pages of 3: 3 + 3 + 1.
      const pages: MessagePage[] = [];
      let after: string | undefined;
      do {
        const res = await visitor.messages(conversationId, { limit: 3, ...(after ? { after } : {}) });
        expect(res.status).toBe(200);
        pages.push(res.body);
        after = res.body.nextCursor;
      } while (after && pages.length < 10);

      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
      expect(pages.flatMap((p) => p.items.map((m) => m.text))).toEqual(sent);
      expect(pages[0].nextCursor).toBe(pages[0].items[2].id);
      expect(pages[2]).not.toHaveProperty('nextCursor');
      const all = pages.flatMap((p) => p.items);
      expect(new Set(all.map((m) => m.id)).size).toBe(7);
      const times = all.map((m) => Date.parse(m.createdAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('a last page that is exactly full has no nextCursor; the default page is 50', async () => {
      const { visitor, conversationId } = await conversation();
      for (let i = 1; i <= 3; i++) await visitor.say(`m${i}`);

      const full = await visitor.messages(conversationId, { limit: 4 });
      expect(full.body.items).toHaveLength(4);
      expect(full.body).not.toHaveProperty('nextCursor');

      const last = full.body.items[3].id;
      expect((await visitor.messages(conversationId, { after: last })).body).toEqual({ items: [] });
      expect((await visitor.messages(conversationId)).body.items).toHaveLength(4);
    });

    it('holds more than 50 messages: the default page stops at 50 and the cursor leads on', async () => {
      const { visitor, conversationId } = await conversation();
      for (let i = 1; i <= 55; i++) await visitor.say(`n${i}`);

      const first = await visitor.messages(conversationId);
      expect(first.body.items).toHaveLength(50);
      expect(first.body.nextCursor).toBe(first.body.items[49].id);
      const rest = await visitor.messages(conversationId, { after: first.body.nextCursor! });
      expect(rest.body.items.map((m) => m.text)).toEqual(['n50', 'n51', 'n52', 'n53', 'n54', 'n55']);
      expect(rest.body).not.toHaveProperty('nextCursor');
    });
  });

  describe('live delivery', () => {
    it("the visitor's socket receives the agent's reply and their own messages, on every device", async () => {
      const { visitor, socket, conversationId } = await conversation();
      const otherDevice = await visitor.socket();

      const mine = await visitor.say('from my phone');
      const reply = await desk.send(conversationId, 'Bonjour, je regarde ça');

      for (const device of [socket, otherDevice]) {
        const own = await heardByVisitor(device, mine.messageId);
        expect(own).toMatchObject({ conversationId, author: { type: 'visitor', id: visitor.id } });
        const answer = await heardByVisitor(device, reply.messageId!);
        expect(answer).toEqual({
          id: reply.messageId,
          conversationId,
          author: { type: 'agent', id: agent.id },
          text: 'Bonjour, je regarde ça',
          createdAt: expect.stringMatching(ISO_TIME),
        });
      }
    });

    it('the desk receives the visitor messages of the conversations it holds, in order', async () => {
      const { visitor, conversationId } = await conversation();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await visitor.say(`burst ${i}`)).messageId);

      await heardOnDesk(ids[4]);
      const heard = await waitFor(() => {
        const got = desk
          .all('message.created', (p) => p.conversationId === conversationId)
          .map((p) => p.message.id)
          .filter((id) => ids.includes(id));
        return got.length === 5 && got;
      });
      expect(heard).toEqual(ids);
    });
  });
});
