import { startSystem, System } from './support/system';
import { expectEachStoredOnce, expectRefusals, postUntilRefused, withinTheBound } from './support/overload';

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
    const visitor = await withinTheBound(() => sut.visitor('mobile_app'));
    const answers = await postUntilRefused(visitor);

    const refused = expectRefusals(answers);

    // Retrying each refused one (one at a time: within the bound) stores it; nothing is stored twice.
    for (const [id] of refused) await withinTheBound(() => visitor.say(`text ${id}`, id));
    await expectEachStoredOnce(visitor, answers);
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
