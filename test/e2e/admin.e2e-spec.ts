import { randomUUID } from 'node:crypto';
import { expectError, UUID } from './support/expectations';
import { factory } from './support/factories';
import { ConnectionRefused } from './support/sockets';
import { ADMIN_TOKEN, startSystem, System } from './support/system';

describe('admin API (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  describe('agents', () => {
    it('creates an agent with the defaults (3 chat slots, 2 mobile slots) and a desk token', async () => {
      const name = `Ana ${randomUUID().slice(0, 6)}`;
      const res = await sut.admin.call('POST', '/v1/admin/agents', { name });

      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        name,
        chatCapacity: 3,
        mobileCapacity: 2,
        token: expect.stringMatching(/\S/),
      });
    });

    it('lists agents with status and slots; offline until a desk connects, offline again after', async () => {
      const agent = await sut.admin.createAgent(factory.agent({ chatCapacity: 5 }));

      const listed = await sut.admin.agent(agent.id);
      expect(listed).toEqual({
        id: agent.id,
        name: agent.name,
        chatCapacity: 5,
        mobileCapacity: 2,
        status: 'offline',
        slots: { chat: { used: 0, capacity: 5 }, mobile: { used: 0, capacity: 2 } },
      });

      const desk = await sut.desk(agent.token);
      expect(desk.state).toEqual({
        agent: { id: agent.id, name: agent.name, status: 'available' },
        slots: { chat: { used: 0, capacity: 5 }, mobile: { used: 0, capacity: 2 } },
        conversations: [],
      });
      await sut.admin.waitStatus(agent.id, 'available');

      expect(await desk.ask('agent.status', { status: 'away' })).toEqual({ ok: true });
      await sut.admin.waitStatus(agent.id, 'away');
      expect(await desk.ask('agent.status', { status: 'available' })).toEqual({ ok: true });
      await sut.admin.waitStatus(agent.id, 'available');

      desk.close();
      await sut.admin.waitStatus(agent.id, 'offline');
    });

    it('an agent who chose away stays away when the desk reconnects', async () => {
      const agent = await sut.admin.createAgent();
      const desk = await sut.desk(agent.token);
      expect(await desk.ask('agent.status', { status: 'away' })).toEqual({ ok: true });
      desk.close();
      await sut.admin.waitStatus(agent.id, 'offline');

      const again = await sut.desk(agent.token);

      expect(again.state.agent.status).toBe('away');
      expect((await sut.admin.agent(agent.id)).status).toBe('away');
    });

    it('stays available, and keeps receiving, while one of two desks of the agent is still open', async () => {
      const agent = await sut.admin.createAgent();
      const first = await sut.desk(agent.token);
      const second = await sut.desk(agent.token);
      await sut.admin.waitStatus(agent.id, 'available');

      first.close();
      const visitor = await sut.visitor('web_chat');
      const { conversationId } = await visitor.say('anyone there?');

      await second.holds(conversationId);
      expect((await sut.admin.agent(agent.id)).status).toBe('available');
      second.close();
      await sut.admin.waitStatus(agent.id, 'offline');
    });

    it('updates name and chat capacity; mobile capacity does not move', async () => {
      const agent = await sut.admin.createAgent();
      const renamed = `Renamed ${randomUUID().slice(0, 6)}`;

      const res = await sut.admin.updateAgent(agent.id, { name: renamed, chatCapacity: 7 });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: agent.id,
        name: renamed,
        chatCapacity: 7,
        mobileCapacity: 2,
        status: 'offline',
        slots: { chat: { used: 0, capacity: 7 }, mobile: { used: 0, capacity: 2 } },
      });
      expect(await sut.admin.agent(agent.id)).toEqual(res.body);
      const nameOnly = await sut.admin.updateAgent(agent.id, { name: 'Only the name' });
      expect(nameOnly.body).toMatchObject({ name: 'Only the name', chatCapacity: 7 });
      const capacityZero = await sut.admin.updateAgent(agent.id, { chatCapacity: 0 });
      expect(capacityZero.body).toMatchObject({ name: 'Only the name', chatCapacity: 0 });
    });

    it('accepts names of 1 and 100 characters', async () => {
      expect((await sut.admin.call('POST', '/v1/admin/agents', { name: 'A' })).status).toBe(201);
      expect((await sut.admin.call('POST', '/v1/admin/agents', { name: 'n'.repeat(100) })).status).toBe(201);
    });

    it('R5: refuses any mobileCapacity with 422 MOBILE_CAPACITY_FIXED, on POST and on PATCH', async () => {
      const agent = await sut.admin.createAgent();

      for (const mobileCapacity of [3, 2, 0, null]) {
        expectError(await sut.admin.updateAgent(agent.id, { mobileCapacity }), 422, 'MOBILE_CAPACITY_FIXED');
        expectError(
          await sut.admin.call('POST', '/v1/admin/agents', { name: 'Mobile', mobileCapacity }),
          422,
          'MOBILE_CAPACITY_FIXED',
        );
      }
      expectError(
        await sut.admin.updateAgent(agent.id, { chatCapacity: 4, mobileCapacity: 5 }),
        422,
        'MOBILE_CAPACITY_FIXED',
      );
      expect(await sut.admin.agent(agent.id)).toMatchObject({ chatCapacity: 3, mobileCapacity: 2 });
    });

    it('404 NOT_FOUND for an agent that does not exist', async () => {
      expectError(await sut.admin.updateAgent(randomUUID(), { name: 'Ghost' }), 404, 'NOT_FOUND');
      expectError(await sut.admin.call('POST', `/v1/admin/agents/${randomUUID()}/token`), 404, 'NOT_FOUND');
    });
  });

  describe('desk tokens', () => {
    it('rotating the token gives a new credential; the old one is refused with UNAUTHENTICATED', async () => {
      const agent = await sut.admin.createAgent();
      const before = await sut.desk(agent.token);
      before.close();

      const res = await sut.admin.call<{ token: string }>('POST', `/v1/admin/agents/${agent.id}/token`);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ token: expect.stringMatching(/\S/) });
      expect(res.body.token).not.toBe(agent.token);

      const refused = await sut.desk(agent.token).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ConnectionRefused);
      expect(refused).toMatchObject({
        message: 'UNAUTHENTICATED',
        data: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/\S/) },
      });

      const desk = await sut.desk(res.body.token);
      expect(desk.state.agent).toEqual({ id: agent.id, name: agent.name, status: 'available' });

      const again = await sut.admin.rotateToken(agent.id);
      await expect(sut.desk(res.body.token)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
      expect((await sut.desk(again)).state.agent.id).toBe(agent.id);
    });
  });

  describe('canned responses', () => {
    it('creates, lists and deletes (204); deleting twice is 404 NOT_FOUND', async () => {
      const input = factory.canned({ title: 'Bienvenue 👋🏽', text: '  Bonjour <b>&</b> مرحبا 👩‍👩‍👧‍👦  ' });

      const created = await sut.admin.call('POST', '/v1/admin/canned-responses', input);
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.stringMatching(UUID), ...input });
      const id = (created.body as { id: string }).id;
      expect(await sut.admin.cannedResponses()).toContainEqual({ id, ...input });

      const deleted = await sut.admin.deleteCanned(id);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBe('');
      expect((await sut.admin.cannedResponses()).map((c) => c.id)).not.toContain(id);
      expectError(await sut.admin.deleteCanned(id), 404, 'NOT_FOUND');
    });

    it('are offered on the desk (canned.list)', async () => {
      const canned = await sut.admin.createCanned();
      const { desk } = await sut.agentAtDesk();

      const ack = await desk.ask('canned.list', {});

      expect(ack.ok).toBe(true);
      expect(ack.items).toContainEqual(canned);
    });
  });

  describe('remunerations', () => {
    it('answers {items, total: {amountMinor, currency}}, filtered by agent and period', async () => {
      const agent = await sut.admin.createAgent();

      const all = await sut.admin.remunerations();
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        items: expect.any(Array),
        total: { amountMinor: expect.any(Number), currency: 'EUR' },
      });
      const mine = await sut.admin.remunerations({
        agentId: agent.id,
        from: '2025-01-01',
        to: new Date(Date.now() + 86_400_000).toISOString(),
      });
      expect(mine).toMatchObject({
        status: 200,
        body: { items: [], total: { amountMinor: 0, currency: 'EUR' } },
      });
    });

    it('refuses a bad filter with 400 VALIDATION_FAILED', async () => {
      for (const query of [{ agentId: 'nope' }, { from: 'yesterday' }, { from: '2025-02-30' }] as Record<
        string,
        string
      >[]) {
        expectError(await sut.admin.remunerations(query), 400, 'VALIDATION_FAILED');
      }
      expectError(
        await sut.admin.remunerations({ from: '2025-03-01', to: '2025-02-01' }),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('the system', () => {
    it('GET /health/ready is 200 with every service up; the desk page is served', async () => {
      expect(await sut.http('GET', '/health/ready')).toMatchObject({
        status: 200,
        body: { services: { gateway: 'up', conversation: 'up', routing: 'up', billing: 'up' } },
      });
      const page = await sut.http<string>('GET', '/desk');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    });
  });

  describe('admin token', () => {
    const routes: [string, string][] = [
      ['GET', '/v1/admin/agents'],
      ['POST', '/v1/admin/agents'],
      ['PATCH', `/v1/admin/agents/${randomUUID()}`],
      ['POST', `/v1/admin/agents/${randomUUID()}/token`],
      ['GET', '/v1/admin/canned-responses'],
      ['POST', '/v1/admin/canned-responses'],
      ['DELETE', `/v1/admin/canned-responses/${randomUUID()}`],
      ['GET', '/v1/admin/remunerations'],
    ];

    it.each(routes)(
      '%s %s: 401 UNAUTHENTICATED without the admin token or with a wrong one',
      async (method, path) => {
        const body = method === 'GET' ? undefined : { name: 'Intruder', title: 't', text: 't' };
        expectError(await sut.http(method, path, { body }), 401, 'UNAUTHENTICATED');
        expectError(await sut.http(method, path, { body, token: 'wrong' }), 401, 'UNAUTHENTICATED');
        expectError(await sut.http(method, path, { body, token: `${ADMIN_TOKEN}x` }), 401, 'UNAUTHENTICATED');
        expectError(
          await sut.http(method, path, { body, headers: { authorization: `Basic ${ADMIN_TOKEN}` } }),
          401,
          'UNAUTHENTICATED',
        );
      },
    );

    it('an agent or visitor token is not an admin token', async () => {
      const agent = await sut.admin.createAgent();
      const visitor = await sut.visitor('web_chat');
      for (const token of [agent.token, visitor.token])
        expectError(await sut.http('GET', '/v1/admin/agents', { token }), 401, 'UNAUTHENTICATED');
    });
  });
});
