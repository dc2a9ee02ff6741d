import { expectError } from './support/expectations';
import { factory } from './support/factories';
import { startSystem, System } from './support/system';

const LIMIT = 3;

/** `POST /v1/visitors` is public and rate limited per client address (its own system: a low limit). */
describe('visitor registration rate limit (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem({ RATE_LIMIT_VISITORS_PER_MINUTE: String(LIMIT) });
  });
  afterAll(() => sut?.stop());

  it('refuses registrations beyond RATE_LIMIT_VISITORS_PER_MINUTE with 429 RATE_LIMITED and Retry-After; other routes are not limited', async () => {
    const register = () => sut.http('POST', '/v1/visitors', { body: factory.visitor('web_chat') });

    // A burst, all at once: exactly LIMIT get through.
    const burst = await Promise.all(Array.from({ length: LIMIT + 2 }, register));

    expect(burst.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429]);
    const refused = burst.find((r) => r.status === 429)!;
    expectError(refused, 429, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expectError(await register(), 429, 'RATE_LIMITED');
    // Bad input is still refused as bad input, or as limited: never a 500.
    const bad = await sut.http('POST', '/v1/visitors', { body: { channel: 'sms' } });
    expect([400, 429]).toContain(bad.status);

    // Registered visitors keep working: only registration is limited.
    const registered = burst.find((r) => r.status === 201)!.body as { token: string };
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await sut.http('POST', '/v1/visitor/messages', {
        token: registered.token,
        body: { text: `message ${i}`, clientMessageId: `m${i}` },
      });
      expect(res.status).toBe(201);
    }
    expect((await sut.http('GET', '/v1/visitor/conversations', { token: registered.token })).status).toBe(
      200,
    );
  });
});
