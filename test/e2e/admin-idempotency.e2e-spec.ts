import { randomUUID } from 'node:crypto';
import { expectError } from './support/expectations';
import { ADMIN_TOKEN, startSystem, System } from './support/system';

/**
 * `Idempotency-Key` on admin creates: an admin client that got a 503 (or no answer) retries with the
 * same key, on any gateway, and gets the first answer; nothing is created twice.
 */
describe('admin creates with Idempotency-Key (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  const create = <T>(path: string, body: unknown, key?: string) =>
    sut.http<T>('POST', path, {
      token: ADMIN_TOKEN,
      body,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });

  it('a retried agent create returns the first agent and creates no second one', async () => {
    const key = randomUUID();
    const name = `Retry ${randomUUID().slice(0, 8)}`;
    const first = await create<{ id: string; token: string }>(
      '/v1/admin/agents',
      { name, chatCapacity: 4 },
      key,
    );
    expect(first.status).toBe(201);
    // The retries, one of them racing another, as a client that saw a 503 would send them.
    const retries = await Promise.all(
      [1, 2, 3].map(() =>
        create<{ id: string; token: string }>('/v1/admin/agents', { name, chatCapacity: 4 }, key),
      ),
    );
    for (const r of retries) {
      expect(r.status).toBe(201);
      expect(r.body).toEqual({ ...first.body, token: expect.stringMatching(/\S/) });
    }
    expect((await sut.admin.agents()).filter((a) => a.name === name)).toHaveLength(1);
    // The token of the retried answer opens the desk like the first one.
    expect((await sut.desk(retries[0].body.token)).state.agent.id).toBe(first.body.id);
  });

  it('a retried canned response create returns the first one and creates no second one', async () => {
    const key = randomUUID();
    const title = `Hello ${randomUUID().slice(0, 8)}`;
    const answers = await Promise.all(
      [1, 2, 3].map(() => create('/v1/admin/canned-responses', { title, text: 'Bonjour !' }, key)),
    );
    for (const a of answers) expect(a).toMatchObject({ status: 201, body: answers[0].body });
    expect((await sut.admin.cannedResponses()).filter((c) => c.title === title)).toHaveLength(1);
  });

  it('the same key on the other create makes a different resource; without a key each create is new', async () => {
    const key = randomUUID();
    const agent = await create<{ id: string }>('/v1/admin/agents', { name: 'A' }, key);
    const canned = await create<{ id: string }>('/v1/admin/canned-responses', { title: 'T', text: 'x' }, key);
    expect(agent.body.id).not.toBe(canned.body.id);
    const a = await create<{ id: string }>('/v1/admin/agents', { name: 'B' });
    const b = await create<{ id: string }>('/v1/admin/agents', { name: 'B' });
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('a malformed key is 400 VALIDATION_FAILED', async () => {
    expectError(await create('/v1/admin/agents', { name: 'A' }, 'x'.repeat(256)), 400, 'VALIDATION_FAILED');
    expectError(await create('/v1/admin/agents', { name: 'A' }, ' '), 400, 'VALIDATION_FAILED');
  });
});
