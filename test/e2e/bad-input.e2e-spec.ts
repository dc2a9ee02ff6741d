import { randomUUID } from 'node:crypto';
import { expectAckError, expectError, ISO_TIME } from './support/expectations';
import { astral, factory, forgedJwt } from './support/factories';
import { ADMIN_TOKEN, JWT_SECRET, startSystem, System } from './support/system';

const OVERSIZED = JSON.stringify({ text: 'x'.repeat(70_000), name: 'x', clientMessageId: 'c' });

/**
 * Every bad input the contract names is answered 4xx with exactly `{error: {code, message}}`, never
 * a 500; socket commands answer `{ok: false, error}`. Business refusals (blocked visitor, R3) too.
 */
describe('bad input (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  const as = (token: string) => ({
    post: (path: string, body: unknown) => sut.http('POST', path, { token, body }),
    raw: (method: string, path: string, raw: string) => sut.http(method, path, { token, raw }),
  });

  describe('HTTP bodies and routes', () => {
    it('broken or non-object JSON is 400 VALIDATION_FAILED on every route with a body', async () => {
      const visitor = await sut.visitor('web_chat');
      const agent = await sut.admin.createAgent();
      const routes: [string, string, string | undefined][] = [
        ['POST', '/v1/visitors', undefined],
        ['POST', '/v1/visitor/messages', visitor.token],
        ['POST', '/v1/admin/agents', ADMIN_TOKEN],
        ['PATCH', `/v1/admin/agents/${agent.id}`, ADMIN_TOKEN],
        ['POST', '/v1/admin/canned-responses', ADMIN_TOKEN],
      ];
      for (const [method, path, token] of routes) {
        for (const raw of ['{"text":', '{text: "hi"}', '"text"', '[]', 'null', '42']) {
          const res = await sut.http(method, path, { token, raw });
          expect({ method, path, raw, status: res.status }).toEqual({ method, path, raw, status: 400 });
          expectError(res, 400, 'VALIDATION_FAILED');
        }
      }
    });

    it('a body over the limit is 413 PAYLOAD_TOO_LARGE', async () => {
      const visitor = await sut.visitor('web_chat');
      expectError(
        await as(visitor.token).raw('POST', '/v1/visitor/messages', OVERSIZED),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expectError(await sut.http('POST', '/v1/visitors', { raw: OVERSIZED }), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await as(ADMIN_TOKEN).raw('POST', '/v1/admin/agents', OVERSIZED), 413, 'PAYLOAD_TOO_LARGE');
      expectError(
        await as(ADMIN_TOKEN).raw('POST', '/v1/admin/canned-responses', OVERSIZED),
        413,
        'PAYLOAD_TOO_LARGE',
      );
    });

    it.each([
      ['GET', '/nope'],
      ['POST', '/v1/nope'],
      ['GET', '/v1/visitor'],
      ['DELETE', '/v1/visitors'],
      ['PUT', '/v1/visitor/messages'],
      ['GET', '/v1/admin'],
    ])('%s %s: unknown route is 404 NOT_FOUND', async (method, path) => {
      expectError(await sut.http(method, path), 404, 'NOT_FOUND');
    });

    it('a path id that is not a UUID is 404 NOT_FOUND', async () => {
      const visitor = await sut.visitor('web_chat');
      for (const id of ['xyz', '123', `${randomUUID()}x`, "1'%20OR%201=1"]) {
        expectError(
          await sut.http('GET', `/v1/visitor/conversations/${id}/messages`, { token: visitor.token }),
          404,
          'NOT_FOUND',
        );
        expectError(await sut.admin.updateAgent(id, { name: 'x' }), 404, 'NOT_FOUND');
        expectError(await as(ADMIN_TOKEN).post(`/v1/admin/agents/${id}/token`, {}), 404, 'NOT_FOUND');
        expectError(await sut.admin.deleteCanned(id), 404, 'NOT_FOUND');
      }
    });
  });

  describe('SDK API', () => {
    it.each([
      ['missing channel', { platform: 'ios' }],
      ['unknown channel', { channel: 'sms' }],
      ['channel in the wrong case', { channel: 'MOBILE_APP' }],
      ['null channel', { channel: null }],
      ['unknown platform', { channel: 'mobile_app', platform: 'windows' }],
      ['empty platform', { channel: 'mobile_app', platform: '' }],
      ['platform not a string', { channel: 'mobile_app', platform: 42 }],
      ["name ''", { channel: 'web_chat', name: '' }],
      ['whitespace-only name', { channel: 'web_chat', name: '   ' }],
      ['name of 101 characters', { channel: 'web_chat', name: 'n'.repeat(101) }],
      ['name not a string', { channel: 'web_chat', name: 7 }],
    ])('POST /v1/visitors with %s: 400 VALIDATION_FAILED', async (_, body) => {
      expectError(await sut.http('POST', '/v1/visitors', { body }), 400, 'VALIDATION_FAILED');
    });

    it('POST /v1/visitors accepts the boundaries: no name, a 100-character name, each platform', async () => {
      for (const body of [
        { channel: 'web_chat' },
        { channel: 'web_chat', name: null, platform: null },
        { channel: 'mobile_app', name: 'n'.repeat(100), platform: 'android' },
        { channel: 'mobile_app', platform: 'ios' },
        { channel: 'web_chat', platform: 'web' },
      ])
        expect((await sut.http('POST', '/v1/visitors', { body })).status).toBe(201);
    });

    it.each([
      ['empty text', { text: '', clientMessageId: 'c1' }],
      ['whitespace-only text', { text: ' \t\n\u00a0 ', clientMessageId: 'c1' }],
      ['4001-character text', { text: 'x'.repeat(4001), clientMessageId: 'c1' }],
      ['4001 astral characters', { text: astral(4001), clientMessageId: 'c1' }],
      ['missing text', { clientMessageId: 'c1' }],
      ['text not a string', { text: 42, clientMessageId: 'c1' }],
      ['a lone surrogate', { text: 'broken \ud800 text', clientMessageId: 'c1' }],
      ['missing clientMessageId', { text: 'hi' }],
      ["clientMessageId ''", { text: 'hi', clientMessageId: '' }],
      ['65-character clientMessageId', { text: 'hi', clientMessageId: 'c'.repeat(65) }],
      ['clientMessageId not a string', { text: 'hi', clientMessageId: 65 }],
    ])('POST /v1/visitor/messages with %s: 400 VALIDATION_FAILED, nothing stored', async (_, body) => {
      const visitor = await sut.visitor('mobile_app');
      expectError(await as(visitor.token).post('/v1/visitor/messages', body), 400, 'VALIDATION_FAILED');
      expect(await visitor.conversations()).toEqual([]);
    });

    it('POST /v1/visitor/messages accepts a 64-character clientMessageId and a 4000-character text', async () => {
      const visitor = await sut.visitor('web_chat');
      expect((await visitor.post('x'.repeat(4000), 'c'.repeat(64))).status).toBe(201);
      expect((await visitor.post(astral(4000), 'é'.repeat(64))).status).toBe(201);
    });

    it('history: bad limit or after is 400 VALIDATION_FAILED', async () => {
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      const queries: Record<string, string | number>[] = [
        { limit: 0 },
        { limit: 201 },
        { limit: 'x' },
        { limit: -1 },
        { limit: 1.5 },
        { limit: '1e2' },
        { after: 'nope' },
        { after: '123' },
        { after: `${randomUUID()}0` },
      ];
      for (const query of queries) {
        const res = await visitor.messages(conversationId, query);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expectError(res, 400, 'VALIDATION_FAILED');
      }
      const repeated = await sut.http(
        'GET',
        `/v1/visitor/conversations/${conversationId}/messages?limit=1&limit=2`,
        {
          token: visitor.token,
        },
      );
      expectError(repeated, 400, 'VALIDATION_FAILED');
      for (const limit of [1, 200])
        expect((await visitor.messages(conversationId, { limit })).status).toBe(200);
    });

    it('history: `after` naming a message of another conversation is refused (4xx), never 500', async () => {
      const alice = await sut.visitor('web_chat');
      const bob = await sut.visitor('web_chat');
      const a = await alice.say('a');
      const b = await bob.say('b');
      const res = await alice.messages(a.conversationId, { after: b.messageId });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    });

    it('missing, malformed, forged or expired bearer tokens are 401 UNAUTHENTICATED', async () => {
      const visitor = await sut.visitor('web_chat');
      const claims = { sub: visitor.id, role: 'visitor', channel: 'web_chat' };
      const headers: (Record<string, string> | undefined)[] = [
        undefined,
        { authorization: '' },
        { authorization: 'Bearer' },
        { authorization: 'Bearer ' },
        { authorization: 'Bearer garbage' },
        { authorization: 'Bearer a.b.c' },
        { authorization: `Token ${visitor.token}` },
        { authorization: `Bearer ${visitor.token} extra` },
        { authorization: `Bearer ${visitor.token.slice(0, -2)}` },
        { authorization: `Bearer ${forgedJwt(claims, 'wrong-secret')}` },
        { authorization: `Bearer ${forgedJwt(claims, null)}` },
        {
          authorization: `Bearer ${forgedJwt({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, JWT_SECRET)}`,
        },
        { authorization: `Bearer ${forgedJwt({ ...claims, channel: 'fax' }, JWT_SECRET)}` },
        { authorization: `Bearer ${forgedJwt({ ...claims, sub: 'not-a-uuid' }, JWT_SECRET)}` },
      ];
      for (const h of headers) {
        const body = { text: 'hi', clientMessageId: randomUUID() };
        const posted = await sut.http('POST', '/v1/visitor/messages', { headers: h, body });
        expect({ h, status: posted.status }).toEqual({ h, status: 401 });
        expectError(posted, 401, 'UNAUTHENTICATED');
        expectError(
          await sut.http('GET', '/v1/visitor/conversations', { headers: h }),
          401,
          'UNAUTHENTICATED',
        );
      }
      // A well-signed token for a visitor who never registered writes nothing.
      const stranger = forgedJwt({ ...claims, sub: randomUUID() }, JWT_SECRET);
      expectError(
        await sut.http('POST', '/v1/visitor/messages', {
          token: stranger,
          body: { text: 'hi', clientMessageId: 'c' },
        }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  describe('admin API', () => {
    it.each([
      ["name ''", { name: '' }],
      ['whitespace-only name', { name: '  ' }],
      ['name of 101 characters', { name: 'n'.repeat(101) }],
      ['missing name', { chatCapacity: 3 }],
      ['name not a string', { name: 3 }],
      ['chatCapacity -1', { name: 'A', chatCapacity: -1 }],
      ['chatCapacity 21', { name: 'A', chatCapacity: 21 }],
      ['chatCapacity 2.5', { name: 'A', chatCapacity: 2.5 }],
      ['chatCapacity "3"', { name: 'A', chatCapacity: '3' }],
      ['chatCapacity true', { name: 'A', chatCapacity: true }],
    ])('POST /v1/admin/agents with %s: 400 VALIDATION_FAILED', async (_, body) => {
      expectError(await sut.admin.call('POST', '/v1/admin/agents', body), 400, 'VALIDATION_FAILED');
    });

    it.each([
      ["name ''", { name: '' }],
      ['name of 101 characters', { name: 'n'.repeat(101) }],
      ['chatCapacity -1', { chatCapacity: -1 }],
      ['chatCapacity 21', { chatCapacity: 21 }],
      ['chatCapacity 2.5', { chatCapacity: 2.5 }],
      ['chatCapacity "3"', { chatCapacity: '3' }],
      ['chatCapacity null', { chatCapacity: null }],
    ])('PATCH /v1/admin/agents/:id with %s: 400 VALIDATION_FAILED, agent unchanged', async (_, body) => {
      const agent = await sut.admin.createAgent();
      expectError(await sut.admin.updateAgent(agent.id, body), 400, 'VALIDATION_FAILED');
      expect(await sut.admin.agent(agent.id)).toMatchObject({ name: agent.name, chatCapacity: 3 });
    });

    it('accepts chatCapacity 0 and 20', async () => {
      for (const chatCapacity of [0, 20])
        expect(await sut.admin.createAgent(factory.agent({ chatCapacity }))).toMatchObject({ chatCapacity });
    });

    it.each([
      ["title ''", { title: '', text: 'ok' }],
      ['title of 101 characters', { title: 't'.repeat(101), text: 'ok' }],
      ["text ''", { title: 'ok', text: '' }],
      ['whitespace-only text', { title: 'ok', text: '   ' }],
      ['text of 4001 characters', { title: 'ok', text: 'x'.repeat(4001) }],
      ['missing text', { title: 'ok' }],
    ])('POST /v1/admin/canned-responses with %s: 400 VALIDATION_FAILED', async (_, body) => {
      expectError(await sut.admin.call('POST', '/v1/admin/canned-responses', body), 400, 'VALIDATION_FAILED');
    });
  });

  describe('limits are counted in characters (code points) everywhere, as the gateway counts them', () => {
    it('an agent name of 100 astral characters is accepted (POST and PATCH)', async () => {
      const res = await sut.admin.call('POST', '/v1/admin/agents', { name: astral(100) });
      expect(res).toMatchObject({ status: 201, body: { name: astral(100) } });
      const agent = await sut.admin.createAgent();
      expect(await sut.admin.updateAgent(agent.id, { name: astral(100) })).toMatchObject({
        status: 200,
        body: { name: astral(100) },
      });
    });

    it('a visitor name of 100 astral characters is accepted', async () => {
      const res = await sut.http('POST', '/v1/visitors', {
        body: { channel: 'web_chat', name: astral(100) },
      });
      expect(res.status).toBe(201);
    });

    it('a canned response title of 100 astral characters is accepted', async () => {
      const res = await sut.admin.call('POST', '/v1/admin/canned-responses', {
        title: astral(100),
        text: 'ok',
      });
      expect(res).toMatchObject({ status: 201, body: { title: astral(100) } });
    });

    it('a clientMessageId of 64 astral characters is accepted', async () => {
      const visitor = await sut.visitor('web_chat');
      expect((await visitor.post('hi', astral(64))).status).toBe(201);
    });

    it('a tag of 50 astral characters is accepted', async () => {
      const { desk } = await sut.agentAtDesk();
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      await desk.assigned(conversationId);

      expect(await desk.ask('conversation.tag.add', { conversationId, tag: 't'.repeat(50) })).toMatchObject({
        ok: true,
      });
      expect(await desk.ask('conversation.tag.add', { conversationId, tag: astral(50) })).toEqual({
        ok: true,
        tags: ['t'.repeat(50), astral(50)],
      });
    });
  });

  describe('blocked visitor', () => {
    it('after visitor.block the visitor is refused with 403 VISITOR_BLOCKED; the conversation shows closed, visitor_blocked', async () => {
      const { agent, desk } = await sut.agentAtDesk();
      const visitor = await sut.visitor('mobile_app');
      const device = await visitor.socket();
      const first = await visitor.say('spam spam spam');
      const { conversationId } = first;
      await desk.assigned(conversationId);
      const warning = await desk.send(conversationId, 'Merci de rester courtois.');

      expect(await desk.ask('visitor.block', { conversationId })).toEqual({ ok: true });

      const closed = { conversationId, reason: 'visitor_blocked' };
      expect(await desk.next('conversation.closed', (p) => p.conversationId === conversationId)).toEqual(
        closed,
      );
      expect(await device.next('conversation.closed')).toEqual(closed);
      expectError(await visitor.post('let me in'), 403, 'VISITOR_BLOCKED');
      expectError(await visitor.post('let me in', 'another-id'), 403, 'VISITOR_BLOCKED');
      expect(await visitor.conversations()).toEqual([
        {
          id: conversationId,
          channel: 'mobile_app',
          status: 'closed',
          createdAt: expect.stringMatching(ISO_TIME),
          closedAt: expect.stringMatching(ISO_TIME),
          closeReason: 'visitor_blocked',
        },
      ]);
      // History stays readable; the agent can do nothing more on it.
      expect((await visitor.messages(conversationId)).body.items).toHaveLength(2);
      expectAckError(await desk.send(conversationId, 'one more'), 'FORBIDDEN');
      expectAckError(await desk.ask('visitor.block', { conversationId }), 'FORBIDDEN');
      // R14 applies to a block too.
      const paid = await sut.admin.remunerations({ agentId: agent.id });
      expect(paid.body.items).toEqual([
        expect.objectContaining({
          conversationId,
          agentId: agent.id,
          closeReason: 'visitor_blocked',
          lastAgentMessageId: warning.messageId,
          channel: 'mobile_app',
        }),
      ]);
    });

    it('a retried clientMessageId from before the block gets its first answer, not a refusal', async () => {
      const { desk } = await sut.agentAtDesk();
      const visitor = await sut.visitor('web_chat');
      const clientMessageId = factory.clientMessageId();
      const first = await visitor.say('hello', clientMessageId);
      await desk.assigned(first.conversationId);
      expect(await desk.ask('visitor.block', { conversationId: first.conversationId })).toEqual({ ok: true });

      const retried = await visitor.post('hello', clientMessageId);

      expect(retried).toMatchObject({ status: 201, body: first });
    });
  });

  describe('desk commands', () => {
    it('R3: transfer of a mobile conversation is FEATURE_UNAVAILABLE_ON_CHANNEL; it stays with its agent', async () => {
      const { desk } = await sut.agentAtDesk();
      const visitor = await sut.visitor('mobile_app');
      const { conversationId } = await visitor.say('Bonjour');
      const view = await desk.assigned(conversationId);
      expect(view.capabilities.transfer).toBe(false);
      const target = await sut.agentAtDesk(factory.agent({ chatCapacity: 5 }));

      const ack = await desk.ask('conversation.transfer', { conversationId, toAgentId: target.agent.id });

      expectAckError(ack, 'FEATURE_UNAVAILABLE_ON_CHANNEL');
      expect((await desk.send(conversationId, 'toujours là')).ok).toBe(true);
      expect(desk.held().has(conversationId)).toBe(true);
      expect(target.desk.held().has(conversationId)).toBe(false);
    });

    it('malformed payloads are acknowledged VALIDATION_FAILED, before any other check', async () => {
      const { desk } = await sut.agentAtDesk();
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      await desk.assigned(conversationId);
      const cid = () => randomUUID();

      const cases: [string, unknown][] = [
        ['agent.status', { status: 'gone' }],
        ['agent.status', {}],
        ['agent.status', 'away'],
        ['agent.status', null],
        ['agent.status', undefined],
        ['message.send', {}],
        ['message.send', { conversationId: 'nope', text: 'hi', clientMessageId: cid() }],
        ['message.send', { conversationId, text: '', clientMessageId: cid() }],
        ['message.send', { conversationId, text: '  \n ', clientMessageId: cid() }],
        ['message.send', { conversationId, text: 'x'.repeat(4001), clientMessageId: cid() }],
        ['message.send', { conversationId, text: 42, clientMessageId: cid() }],
        ['message.send', { conversationId, text: 'hi' }],
        ['message.send', { conversationId, text: 'hi', clientMessageId: '' }],
        ['message.send', { conversationId, text: 'hi', clientMessageId: 'c'.repeat(65) }],
        ['message.send', [conversationId, 'hi', cid()]],
        ['message.send', undefined],
        ['canned.send', { conversationId, cannedResponseId: 'nope', clientMessageId: cid() }],
        ['canned.send', { conversationId, cannedResponseId: randomUUID() }],
        ['conversation.release', {}],
        ['conversation.release', { conversationId: 'nope' }],
        ['conversation.release', undefined],
        ['conversation.close', { conversationId: 42 }],
        ['conversation.close', undefined],
        ['visitor.block', { conversationId: '' }],
        ['visitor.block', undefined],
        ['conversation.tag.add', { conversationId, tag: '' }],
        ['conversation.tag.add', { conversationId, tag: '   ' }],
        ['conversation.tag.add', { conversationId, tag: 't'.repeat(51) }],
        ['conversation.tag.add', { conversationId, tag: 42 }],
        ['conversation.tag.add', { conversationId }],
        ['conversation.tag.remove', { conversationId, tag: '' }],
        ['conversation.tag.remove', { tag: 'vip' }],
        ['conversation.transfer', { conversationId, toAgentId: 'nope' }],
        ['conversation.transfer', { conversationId }],
      ];
      for (const [command, payload] of cases) {
        const ack = await desk.ask(command, payload);
        expect({ command, payload, ack }).toEqual({
          command,
          payload,
          ack: { ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/\S/) } },
        });
      }

      // None of it had an effect.
      expect((await visitor.messages(conversationId)).body.items).toHaveLength(1);
      expect((await visitor.conversations())[0].status).toBe('assigned');
      expect(desk.held().has(conversationId)).toBe(true);
    });

    it('unknown ids are NOT_FOUND, for every command that names a conversation, agent or canned response', async () => {
      const { desk } = await sut.agentAtDesk();
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      await desk.assigned(conversationId);
      const canned = await sut.admin.createCanned();
      const unknown = randomUUID();

      const cases: [string, unknown][] = [
        ['message.send', { conversationId: unknown, text: 'hi', clientMessageId: randomUUID() }],
        [
          'canned.send',
          { conversationId: unknown, cannedResponseId: canned.id, clientMessageId: randomUUID() },
        ],
        ['canned.send', { conversationId, cannedResponseId: unknown, clientMessageId: randomUUID() }],
        ['conversation.release', { conversationId: unknown }],
        ['conversation.close', { conversationId: unknown }],
        ['conversation.tag.add', { conversationId: unknown, tag: 'vip' }],
        ['conversation.tag.remove', { conversationId: unknown, tag: 'vip' }],
        ['visitor.block', { conversationId: unknown }],
        ['conversation.transfer', { conversationId: unknown, toAgentId: randomUUID() }],
        ['conversation.transfer', { conversationId, toAgentId: unknown }],
      ];
      for (const [command, payload] of cases) {
        const ack = await desk.ask(command, payload);
        expect({ command, payload, ack }).toEqual({
          command,
          payload,
          ack: { ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/\S/) } },
        });
      }

      // None of it touched the agent's own conversation.
      expect((await visitor.messages(conversationId)).body.items).toHaveLength(1);
      expect((await visitor.conversations())[0].status).toBe('assigned');
      expect(desk.held().has(conversationId)).toBe(true);
    });

    it("another agent's conversation is FORBIDDEN, for every command that acts on it; nothing changes", async () => {
      const owner = await sut.agentAtDesk();
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('Bonjour');
      await owner.desk.assigned(conversationId);
      const other = await sut.agentAtDesk(factory.agent({ chatCapacity: 5 }));
      const canned = await sut.admin.createCanned();

      const cases: [string, unknown][] = [
        ['message.send', { conversationId, text: 'hi', clientMessageId: randomUUID() }],
        ['canned.send', { conversationId, cannedResponseId: canned.id, clientMessageId: randomUUID() }],
        ['conversation.release', { conversationId }],
        ['conversation.close', { conversationId }],
        ['conversation.tag.add', { conversationId, tag: 'vip' }],
        ['conversation.tag.remove', { conversationId, tag: 'vip' }],
        ['visitor.block', { conversationId }],
        ['conversation.transfer', { conversationId, toAgentId: other.agent.id }],
      ];
      for (const [command, payload] of cases) {
        const ack = await other.desk.ask(command, payload);
        expect({ command, payload, ack }).toEqual({
          command,
          payload,
          ack: { ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/\S/) } },
        });
      }

      // Still the owner's, untouched: one message, no tag, visitor not blocked, still open.
      expect((await visitor.messages(conversationId)).body.items).toHaveLength(1);
      expect((await visitor.conversations())[0].status).toBe('assigned');
      expect(owner.desk.held().has(conversationId)).toBe(true);
      expect(other.desk.held().has(conversationId)).toBe(false);
      expect(await owner.desk.ask('conversation.tag.add', { conversationId, tag: 'mine' })).toEqual({
        ok: true,
        tags: ['mine'],
      });
      expect((await visitor.post('still here')).status).toBe(201);
    });
  });
});
