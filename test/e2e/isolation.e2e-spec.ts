import { randomUUID } from 'node:crypto';
import { waitFor } from '@pupitre/shared/testing';
import { expectAckError, expectError } from './support/expectations';
import { factory, forgedJwt } from './support/factories';
import { ConnectionRefused } from './support/sockets';
import { ADMIN_TOKEN, JWT_SECRET, startSystem, System } from './support/system';

/** Nobody reads or acts on what is not theirs, and a credential of one kind opens no other door. */
describe('isolation (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  /** Ana holds a conversation; Bob, at his desk too, connected after, holds nothing of hers. */
  const twoAgents = async (channel: 'web_chat' | 'mobile_app') => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor(channel);
    const { conversationId } = await visitor.say('Bonjour');
    await ana.desk.assigned(conversationId);
    const bob = await sut.agentAtDesk();
    return { ana, bob, visitor, conversationId };
  };

  describe('visitors', () => {
    it("reading another visitor's conversation is 404 NOT_FOUND, like a conversation that does not exist", async () => {
      const alice = await sut.visitor('mobile_app');
      const mallory = await sut.visitor('mobile_app');
      const { conversationId } = await alice.say('private');

      expectError(await mallory.messages(conversationId), 404, 'NOT_FOUND');
      expectError(await mallory.messages(conversationId, { limit: 1 }), 404, 'NOT_FOUND');
      expectError(await mallory.messages(randomUUID()), 404, 'NOT_FOUND');
      expect(await mallory.conversations()).toEqual([]);
      expect((await alice.messages(conversationId)).status).toBe(200);
    });

    it("a visitor's message never reaches another visitor's socket", async () => {
      const alice = await sut.visitor('web_chat');
      const mallory = await sut.visitor('web_chat');
      const aliceDevice = await alice.socket();
      const malloryDevice = await mallory.socket();

      const secret = await alice.say('secret');
      const own = await mallory.say('mine');

      await aliceDevice.next('message.created', (p) => p.message.id === secret.messageId);
      await malloryDevice.next('message.created', (p) => p.message.id === own.messageId);
      expect(malloryDevice.all('message.created').map((p) => p.message.id)).toEqual([own.messageId]);
      expect(aliceDevice.all('message.created').map((p) => p.message.id)).toEqual([secret.messageId]);
    });

    it('an agent token, the admin token or a forged token is not a visitor token: 401 UNAUTHENTICATED', async () => {
      const agent = await sut.admin.createAgent();
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      const forged = [
        forgedJwt({ sub: visitor.id, role: 'visitor', channel: 'web_chat' }, 'not-the-secret'),
        forgedJwt({ sub: visitor.id, role: 'visitor', channel: 'web_chat' }, null),
        forgedJwt({ sub: visitor.id, role: 'agent', ver: 1 }, JWT_SECRET),
      ];

      for (const token of [agent.token, ADMIN_TOKEN, ...forged]) {
        expectError(
          await sut.http('POST', '/v1/visitor/messages', {
            token,
            body: { text: 'hi', clientMessageId: randomUUID() },
          }),
          401,
          'UNAUTHENTICATED',
        );
        expectError(await sut.http('GET', '/v1/visitor/conversations', { token }), 401, 'UNAUTHENTICATED');
        expectError(
          await sut.http('GET', `/v1/visitor/conversations/${conversationId}/messages`, { token }),
          401,
          'UNAUTHENTICATED',
        );
      }
      // A correctly signed visitor token (a control for the forged ones above).
      expect(
        (
          await sut.http('GET', '/v1/visitor/conversations', {
            token: forgedJwt({ sub: visitor.id, role: 'visitor', channel: 'web_chat' }, JWT_SECRET),
          })
        ).status,
      ).toBe(200);
    });

    it('an agent or forged token on the visitor socket fails the connection with UNAUTHENTICATED', async () => {
      const agent = await sut.admin.createAgent();
      for (const token of [
        agent.token,
        'garbage',
        undefined,
        forgedJwt({ sub: randomUUID(), role: 'visitor', channel: 'web_chat' }, null),
      ]) {
        const refused = await sut.visitorSocket(token).catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(ConnectionRefused);
        expect(refused).toMatchObject({ message: 'UNAUTHENTICATED', data: { code: 'UNAUTHENTICATED' } });
      }
    });
  });

  describe('agents', () => {
    it("acting on another agent's conversation is FORBIDDEN, for every command, and changes nothing", async () => {
      const { ana, bob, visitor, conversationId } = await twoAgents('web_chat');
      const canned = await sut.admin.createCanned();

      const attempts: [string, Record<string, unknown>][] = [
        ['message.send', { conversationId, text: 'hijack', clientMessageId: randomUUID() }],
        ['canned.send', { conversationId, cannedResponseId: canned.id, clientMessageId: randomUUID() }],
        ['conversation.close', { conversationId }],
        ['conversation.tag.add', { conversationId, tag: 'stolen' }],
        ['conversation.tag.remove', { conversationId, tag: 'stolen' }],
        ['visitor.block', { conversationId }],
        ['conversation.release', { conversationId }],
        ['conversation.transfer', { conversationId, toAgentId: bob.agent.id }],
      ];
      for (const [command, payload] of attempts) {
        const ack = await bob.desk.ask(command, payload);
        expect({ command, ack }).toEqual({
          command,
          ack: { ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/\S/) } },
        });
      }

      // Nothing happened: still Ana's, open, untagged, the visitor not blocked, no agent message.
      const [summary] = await visitor.conversations();
      expect(summary).toMatchObject({ id: conversationId, status: 'assigned' });
      expect(summary).not.toHaveProperty('closedAt');
      const history = await visitor.messages(conversationId);
      expect(history.body.items.map((m) => m.author.type)).toEqual(['visitor']);
      expect((await visitor.post('still here')).status).toBe(201);
      expect(await ana.desk.ask('conversation.tag.add', { conversationId, tag: 'vip' })).toEqual({
        ok: true,
        tags: ['vip'],
      });
      expect((await ana.desk.send(conversationId, 'Je suis là')).ok).toBe(true);
      expect(bob.desk.held().size).toBe(0);
    });

    it('FORBIDDEN on mobile too, before any channel rule (transfer)', async () => {
      const { bob, conversationId } = await twoAgents('mobile_app');
      for (const [command, payload] of [
        ['conversation.transfer', { conversationId, toAgentId: bob.agent.id }],
        ['visitor.block', { conversationId }],
        ['conversation.close', { conversationId }],
      ] as const) {
        expectAckError(await bob.desk.ask(command, payload), 'FORBIDDEN');
      }
    });

    it("a desk never hears the messages of another agent's conversations", async () => {
      const { ana, bob, visitor, conversationId } = await twoAgents('web_chat');
      const other = await sut.visitor('web_chat');
      const theirs = await other.say('for bob?');
      await bob.desk.assigned(theirs.conversationId);

      const secret = await visitor.say('for ana only');
      const reply = await ana.desk.send(conversationId, 'ana answers');
      const bobs = await other.say('for bob');

      await ana.desk.next('message.created', (p) => p.message.id === reply.messageId);
      await bob.desk.next('message.created', (p) => p.message.id === bobs.messageId);
      const bobHeard = bob.desk.all('message.created').map((p) => p.conversationId);
      expect(bobHeard.every((id) => id === theirs.conversationId)).toBe(true);
      const anaHeard = ana.desk.all('message.created').map((p) => p.message.id);
      expect(anaHeard).toEqual(expect.arrayContaining([secret.messageId, reply.messageId]));
      expect(anaHeard).not.toContain(bobs.messageId);
    });

    it('a visitor, forged or rotated token on the desk socket fails the connection with UNAUTHENTICATED', async () => {
      const visitor = await sut.visitor('web_chat');
      const agent = await sut.admin.createAgent();
      const rotated = agent.token;
      await sut.admin.rotateToken(agent.id);
      const tokens: unknown[] = [
        rotated,
        visitor.token,
        ADMIN_TOKEN,
        'garbage',
        undefined,
        42,
        forgedJwt({ sub: agent.id, role: 'agent', ver: 1 }, 'not-the-secret'),
        forgedJwt({ sub: agent.id, role: 'agent', ver: 1 }, null),
        forgedJwt({ sub: randomUUID(), role: 'agent', ver: 1 }, JWT_SECRET),
      ];
      for (const token of tokens) {
        const refused = await sut.desk(token).catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(ConnectionRefused);
        expect(refused).toMatchObject({
          message: 'UNAUTHENTICATED',
          data: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/\S/) },
        });
      }
      // None of them made the agent appear at the desk.
      expect((await sut.admin.agent(agent.id)).status).toBe('offline');
    });

    it('a disconnected agent receives nothing new; their conversations stay theirs', async () => {
      const ana = await sut.agentAtDesk(factory.agent({ chatCapacity: 5 }));
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      await ana.desk.assigned(conversationId);
      ana.desk.close();
      await sut.admin.waitStatus(ana.agent.id, 'offline');

      const later = await sut.visitor('web_chat');
      const queued = await later.say('anyone?');
      await waitFor(async () => (await later.conversations())[0]?.status === 'queued');

      const back = await sut.desk(ana.agent.token);
      expect(back.state.conversations.map((c) => c.id)).toContain(conversationId);
      // Back at the desk: available again, so the queued one comes to her now.
      await back.holds(queued.conversationId);
    });
  });
});
