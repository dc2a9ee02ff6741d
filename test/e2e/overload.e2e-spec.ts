import { expectError } from './support/expectations';
import { startSystem, System } from './support/system';
import type { Res } from './support/http';

const BOUND = 1;

/**
 * Issue 7, overload: beyond MAX_IN_FLIGHT_PER_SERVICE the gateway refuses at once with 503
 * UNAVAILABLE and a Retry-After (CONTRACT.md Additions); work refused that way is not applied later,
 * and retrying with the same clientMessageId is safe. Its own system, with a bound of one request.
 */
describe('overload: refused at once, with Retry-After, never applied later (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem({ MAX_IN_FLIGHT_PER_SERVICE: String(BOUND) });
  });
  afterAll(() => sut?.stop());

  it('a POST beyond the bound is 503 UNAVAILABLE with Retry-After; retried with the same clientMessageId it is stored once', async () => {
    const visitor = await sut.visitor('mobile_app');
    const answers = new Map<string, Res>();
    // Bursts of concurrent POSTs until one is refused (with a bound of one, the first burst does it).
    for (let burst = 0; burst < 20 && ![...answers.values()].some((r) => r.status === 503); burst++) {
      const ids = Array.from({ length: 10 }, (_, i) => `burst-${burst}-${i}`);
      const results = await Promise.all(ids.map((id) => visitor.post(`text ${id}`, id)));
      ids.forEach((id, i) => answers.set(id, results[i]));
    }

    const refused = [...answers].filter(([, r]) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const [, res] of refused) {
      expectError(res, 503, 'UNAVAILABLE');
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect([...answers.values()].every((r) => r.status === 201 || r.status === 503)).toBe(true);

    // Retrying each refused one (one at a time: within the bound) stores it; nothing is stored twice.
    for (const [id] of refused) await visitor.say(`text ${id}`, id);
    const [conversation] = await visitor.conversations();
    const page = await visitor.messages(conversation.id, { limit: 200 });
    const texts = page.body.items.map((m) => m.text);
    for (const id of answers.keys()) expect(texts.filter((t) => t === `text ${id}`)).toHaveLength(1);
  });

  it('readiness answers from the services’ heartbeats, at once', async () => {
    const res = await sut.http<{ status: string; services: Record<string, string> }>('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      services: { gateway: 'up', conversation: 'up', routing: 'up', billing: 'up' },
    });
  });
});
