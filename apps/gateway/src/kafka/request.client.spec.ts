import { DomainError, OutgoingMessage, RequestEnvelope } from '@pupitre/shared';
import { toHttpError, Unavailable } from '../http';
import {
  MIN_IN_FLIGHT,
  MIN_RETRY_IN_FLIGHT,
  RequestClient,
  RequestClientConfig,
  RequestSink,
} from './request.client';

class FakeSink implements RequestSink {
  sent: { topic: string; message: OutgoingMessage }[] = [];
  fail = false;
  connect = async () => undefined;
  disconnect = async () => undefined;
  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.fail) throw new Error('broker down');
    for (const message of messages) this.sent.push({ topic, message });
  }
  last(): RequestEnvelope {
    return JSON.parse(this.sent[this.sent.length - 1].message.value) as RequestEnvelope;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe(RequestClient.name, () => {
  let sink: FakeSink;
  let sut: RequestClient;

  const config: RequestClientConfig = {
    GATEWAY_INSTANCE_ID: 'gw-a',
    REQUEST_TIMEOUT_MS: 1000,
    REQUEST_DEADLINE_MARGIN_MS: 5,
    MAX_IN_FLIGHT_PER_SERVICE: 3,
    REQUEST_QUEUE_TARGET_MS: 500,
    REQUEST_RETRY_QUEUE_TARGET_MS: 100,
  };

  beforeEach(() => {
    sink = new FakeSink();
    sut = new RequestClient(sink, config);
  });

  const answer = (envelope: RequestEnvelope, client = sut) =>
    client.onReply({ requestId: envelope.requestId, replyKey: 'gw-a', ok: true, data: {} });

  afterEach(async () => {
    jest.restoreAllMocks();
    await sut.onApplicationShutdown();
  });

  /**
   * Asks routing `count` pings and answers every one; `beforeAnswer` runs in between (a clock moved
   * on). What was sent is forgotten first, so that only this round is answered.
   */
  const askAndAnswer = async (client: RequestClient, count: number, beforeAnswer = () => undefined) => {
    sink.sent = [];
    const asked = Array.from({ length: count }, () => client.request('routing', 'system.ping', {}));
    await flush();
    beforeAnswer();
    for (const s of sink.sent) answer(JSON.parse(s.message.value) as RequestEnvelope, client);
    await Promise.all(asked);
  };

  /** Fills the service's bound (MAX_IN_FLIGHT_PER_SERVICE: 3) with waiting requests, then asks once more. */
  const refusedWhenFull = async (service: 'conversation' | 'routing' | 'billing'): Promise<Unavailable> => {
    [1, 2, 3].forEach(() => void sut.request(service, 'system.ping', {}).catch(() => undefined));
    await flush();
    return (await sut.request(service, 'system.ping', {}).catch((e: unknown) => e)) as Unavailable;
  };

  it("sends an envelope to the service's topic, keyed by the aggregate", async () => {
    void sut.request('routing', 'agent.get', { agentId: 'a1' }, { key: 'a1' }).catch(() => undefined);
    await flush();
    expect(sink.sent[0].topic).toBe('routing.requests');
    expect(sink.sent[0].message.key).toBe('a1');
    expect(sink.last()).toMatchObject({ op: 'agent.get', replyKey: 'gw-a', data: { agentId: 'a1' } });
  });

  it('without a key, the request id is the key', async () => {
    void sut.request('billing', 'system.ping', {}).catch(() => undefined);
    await flush();
    expect(sink.sent[0].message.key).toBe(sink.last().requestId);
  });

  it('resolves with the data of the matching reply', async () => {
    const answer = sut.request('conversation', 'system.ping', {});
    await flush();
    sut.onReply({
      requestId: sink.last().requestId,
      replyKey: 'gw-a',
      ok: true,
      data: { service: 'conversation' },
    });
    await expect(answer).resolves.toEqual({ service: 'conversation' });
    expect(sut.waiting).toBe(0);
  });

  it('an error reply is thrown as a DomainError with its code', async () => {
    const answer = sut.request('conversation', 'conversation.view', { conversationId: 'c' });
    await flush();
    sut.onReply({
      requestId: sink.last().requestId,
      replyKey: 'gw-a',
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no such conversation' },
    });
    await expect(answer).rejects.toEqual(new DomainError('NOT_FOUND', 'no such conversation'));
  });

  it('an unknown error code becomes INTERNAL', async () => {
    const answer = sut.request('conversation', 'system.ping', {});
    await flush();
    sut.onReply({
      requestId: sink.last().requestId,
      replyKey: 'gw-a',
      ok: false,
      error: { code: 'WAT', message: 'x' },
    });
    await expect(answer).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('ignores replies meant for another instance, unknown ids and malformed values', async () => {
    const answer = sut.request('routing', 'system.ping', {}, { timeoutMs: 30 });
    await flush();
    const requestId = sink.last().requestId;
    sut.onReply({ requestId, replyKey: 'gw-b', ok: true, data: {} });
    sut.onReply({ requestId: 'other', replyKey: 'gw-a', ok: true, data: {} });
    sut.onReply('not json');
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('no reply in time is UNAVAILABLE, and a late reply is ignored', async () => {
    const answer = sut.request('routing', 'system.ping', {}, { timeoutMs: 10 });
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sut.waiting).toBe(0);
    expect(() =>
      sut.onReply({ requestId: sink.last().requestId, replyKey: 'gw-a', ok: true, data: {} }),
    ).not.toThrow();
  });

  it('every request carries its deadline: sent at + the timeout', async () => {
    void sut.request('routing', 'system.ping', {}, { timeoutMs: 2500 }).catch(() => undefined);
    await flush();
    const { sentAt, deadline } = sink.last();
    expect(Date.parse(deadline!) - Date.parse(sentAt)).toBe(2500);
  });

  it('the service may commit only until half a margin before the deadline', async () => {
    const client = new RequestClient(sink, { ...config, REQUEST_DEADLINE_MARGIN_MS: 1000 });
    void client.request('routing', 'system.ping', {}, { timeoutMs: 2500 }).catch(() => undefined);
    await flush();
    const { deadline, commitBy } = sink.last();
    expect(Date.parse(deadline!) - Date.parse(commitBy!)).toBe(500);
    await client.onApplicationShutdown();
  });

  it('answers UNAVAILABLE only once the deadline plus the margin has passed, with a Retry-After', async () => {
    const asked = Date.now();
    const answer = sut.request('routing', 'system.ping', {}, { timeoutMs: 20 }).catch((e: unknown) => e);
    await flush();
    const deadline = Date.parse(sink.last().deadline!);
    const err = await answer;
    expect(err).toBeInstanceOf(Unavailable);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline + config.REQUEST_DEADLINE_MARGIN_MS);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(20 + config.REQUEST_DEADLINE_MARGIN_MS);
    expect((err as Unavailable).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('a request that may not have been sent still waits for its answer: it may have reached the broker', async () => {
    sink.fail = true;
    const answer = sut.request('routing', 'system.ping', {}, { timeoutMs: 200 }).catch((e: unknown) => e);
    await flush();
    expect(sut.waiting).toBe(1);
    expect(await answer).toMatchObject({ code: 'UNAVAILABLE' });
  });

  describe('in-flight bound per service', () => {
    it('beyond MAX_IN_FLIGHT_PER_SERVICE, refuses at once with UNAVAILABLE and Retry-After, without sending', async () => {
      const waiting = [1, 2, 3].map(() => sut.request('conversation', 'system.ping', {}));
      waiting.forEach((w) => w.catch(() => undefined));
      await flush();
      expect(sink.sent).toHaveLength(3);

      const refused = await sut.request('conversation', 'system.ping', {}).catch((e: unknown) => e);

      expect(refused).toBeInstanceOf(Unavailable);
      expect((refused as Unavailable).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(sink.sent).toHaveLength(3);
      expect(sut.inFlightTo('conversation')).toBe(3);
    });

    it('is per service: another service is still asked', async () => {
      [1, 2, 3].forEach(() => void sut.request('conversation', 'system.ping', {}).catch(() => undefined));
      await flush();
      void sut.request('routing', 'system.ping', {}).catch(() => undefined);
      await flush();
      expect(sink.sent.map((s) => s.topic)).toEqual([
        'conversation.requests',
        'conversation.requests',
        'conversation.requests',
        'routing.requests',
      ]);
    });

    it('an answer frees its place', async () => {
      const first = sut.request('conversation', 'system.ping', {});
      [2, 3].forEach(() => void sut.request('conversation', 'system.ping', {}).catch(() => undefined));
      await flush();
      answer(JSON.parse(sink.sent[0].message.value) as RequestEnvelope);
      await first;
      expect(sut.inFlightTo('conversation')).toBe(2);
      void sut.request('conversation', 'system.ping', {}).catch(() => undefined);
      await flush();
      expect(sink.sent).toHaveLength(4);
    });

    it('a timeout frees its place too', async () => {
      const late = [1, 2, 3].map(() => sut.request('billing', 'system.ping', {}, { timeoutMs: 5 }));
      await Promise.allSettled(late);
      expect(sut.inFlightTo('billing')).toBe(0);
    });

    /** Routing answers three pings: 3 answers over the 5-second window = 0.6/s. */
    const routingAnsweredThree = async () => {
      for (let i = 0; i < 3; i++) {
        const asked = sut.request('routing', 'system.ping', {});
        await flush();
        answer(sink.last());
        await asked;
      }
    };

    it('Retry-After is the time the service needs for what waits, from its recent answers', async () => {
      // 0.6 answers/s; 3 waiting → 5 s.
      await routingAnsweredThree();
      const refused = await refusedWhenFull('routing');
      expect(refused.retryAfterSeconds).toBe(5);
    });

    it('an error answer counts as an answer: Retry-After and the bound measure answers, not successes', async () => {
      for (let i = 0; i < 3; i++) {
        const asked = sut.request('routing', 'system.ping', {});
        await flush();
        sut.onReply({
          requestId: sink.last().requestId,
          replyKey: 'gw-a',
          ok: false,
          error: { code: 'FORBIDDEN', message: 'not yours' },
        });
        await asked.catch(() => undefined);
      }
      const refused = await refusedWhenFull('routing');
      expect(refused.retryAfterSeconds).toBe(5);
    });

    it('clients refused lately count in Retry-After: they will come back, and the service needs time for them too', async () => {
      await routingAnsweredThree();
      // 0.6 answers/s; 3 waiting → 5 s for the first refusal, then each refused client adds 1/0.6 s.
      const first = await refusedWhenFull('routing');
      const again = await Promise.all(
        [1, 2, 3].map(() =>
          sut.request('routing', 'system.ping', {}).then(
            () => null,
            (e: unknown) => e as Unavailable,
          ),
        ),
      );
      expect(first.retryAfterSeconds).toBe(5);
      expect(again.map((r) => r?.retryAfterSeconds)).toEqual([7, 9, 10]);
    });

    it('with no recent answer (a start, a quiet spell), Retry-After is the shortest, not the longest', async () => {
      const refused = await refusedWhenFull('billing');
      expect(refused.retryAfterSeconds).toBe(1);
    });

    it('below the cap, the bound follows what the service answers: answers/s (over 5 s, or over the last second if more) × REQUEST_QUEUE_TARGET_MS, at least MIN_IN_FLIGHT', async () => {
      const second = Math.floor(Date.now() / 1000) * 1000;
      const clock = jest.spyOn(Date, 'now').mockReturnValue(second + 100);
      const roomy = new RequestClient(sink, {
        ...config,
        MAX_IN_FLIGHT_PER_SERVICE: 1000,
        REQUEST_QUEUE_TARGET_MS: 60_000,
      });
      expect(roomy.boundFor('routing')).toBe(MIN_IN_FLIGHT);
      for (let round = 0; round < 2; round++) await askAndAnswer(roomy, 25);
      // Within the second of the answers: 50 in the last 1,000 ms; a queue of 60 s → 3,000, capped.
      clock.mockReturnValue(second + 500);
      expect(roomy.boundFor('routing')).toBe(1000);
      // Two seconds later the last second saw none: 50 answers over the 5 s window = 10/s → 600.
      clock.mockReturnValue(second + 2100);
      expect(roomy.boundFor('routing')).toBe(600);
      expect(roomy.boundFor('conversation')).toBe(MIN_IN_FLIGHT);
      await roomy.onApplicationShutdown();
    });

    describe("a client's retry", () => {
      const second = Math.floor(Date.now() / 1000) * 1000;
      /** A client with room for 1,000 that has just answered `answers` requests to routing. */
      const answering = async (answers: number, retryTargetMs = 100): Promise<RequestClient> => {
        const roomy = new RequestClient(sink, {
          ...config,
          MAX_IN_FLIGHT_PER_SERVICE: 1000,
          REQUEST_QUEUE_TARGET_MS: 500,
          REQUEST_RETRY_QUEUE_TARGET_MS: retryTargetMs,
        });
        // In rounds under the first tries' floor, each answered before the next.
        for (let left = answers; left > 0; left -= MIN_IN_FLIGHT)
          await askAndAnswer(roomy, Math.min(left, MIN_IN_FLIGHT));
        sink.sent = [];
        return roomy;
      };

      it('meets a lower bound: answers/s × (usual latency + REQUEST_RETRY_QUEUE_TARGET_MS), at least MIN_RETRY_IN_FLIGHT', async () => {
        jest.spyOn(Date, 'now').mockReturnValue(second + 100);
        const roomy = await answering(1000);
        // 1,000 answers in the last 1,000 ms, and no second over yet (no usual latency, so 0 ms):
        // 500 for a first try, 1,000/s × 100 ms for a retry.
        expect(roomy.boundFor('routing')).toBe(500);
        expect(roomy.boundFor('routing', true)).toBe(100);
        // A service that answered nothing lately: the floors.
        expect(roomy.boundFor('conversation')).toBe(MIN_IN_FLIGHT);
        expect(roomy.boundFor('conversation', true)).toBe(MIN_RETRY_IN_FLIGHT);
        await roomy.onApplicationShutdown();
      });

      it("adds the service's usual latency (the lowest per-second mean) to the retries' wait", async () => {
        const clock = jest.spyOn(Date, 'now');
        // Answer times are read on the monotonic clock, the seconds they fall in on the wall clock.
        const monotonic = jest.spyOn(performance, 'now');
        const roomy = new RequestClient(sink, {
          ...config,
          MAX_IN_FLIGHT_PER_SERVICE: 1000,
          REQUEST_RETRY_QUEUE_TARGET_MS: 25,
        });
        // Two rounds of 200 (under the first tries' floor), every answer 40 ms after its request.
        for (const sentAt of [100, 200]) {
          clock.mockReturnValue(second + sentAt);
          monotonic.mockReturnValue(sentAt);
          await askAndAnswer(roomy, 200, () => {
            clock.mockReturnValue(second + sentAt + 40);
            monotonic.mockReturnValue(sentAt + 40);
          });
        }
        expect(roomy.usualLatencyMs('routing')).toBeUndefined();
        // The second is over. At 1,100 ms the last 1,000 ms hold 400 × 900/1000 = 360 answers/s (more
        // than the 5-s average), each of which took 40 ms: 360/s × (40 + 25) ms.
        clock.mockReturnValue(second + 1100);
        expect(roomy.usualLatencyMs('routing')).toBe(40);
        expect(roomy.boundFor('routing', true)).toBe(Math.ceil((360 * 65) / 1000));
        await roomy.onApplicationShutdown();
      });

      it('is refused while what waits is past its bound, when a first try is still let in; neither is sent', async () => {
        jest.spyOn(Date, 'now').mockReturnValue(second + 100);
        const roomy = await answering(0);
        const waiting = Array.from({ length: MIN_RETRY_IN_FLIGHT }, () =>
          roomy.request('routing', 'system.ping', {}).catch(() => undefined),
        );
        await flush();
        const retry = await roomy
          .request('routing', 'system.ping', {}, { retry: true })
          .catch((e: unknown) => e);
        expect(retry).toMatchObject({ code: 'UNAVAILABLE' });
        expect((retry as Unavailable).retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(roomy.refusal('routing', true)).not.toBeNull();
        expect(roomy.refusal('routing')).toBeNull();
        void roomy.request('routing', 'system.ping', {}).catch(() => undefined);
        await flush();
        expect(sink.sent).toHaveLength(MIN_RETRY_IN_FLIGHT + 1);
        await roomy.onApplicationShutdown();
        await Promise.all(waiting);
      });

      it('queues like a first try when REQUEST_RETRY_QUEUE_TARGET_MS is at least REQUEST_QUEUE_TARGET_MS', async () => {
        jest.spyOn(Date, 'now').mockReturnValue(second + 100);
        const roomy = await answering(0, 500);
        expect(roomy.boundFor('routing', true)).toBe(MIN_IN_FLIGHT);
        await roomy.onApplicationShutdown();
      });
    });

    it('the refusal maps to 503 UNAVAILABLE with a Retry-After header', async () => {
      const refused = await refusedWhenFull('conversation');
      const mapped = toHttpError(refused);
      expect(mapped.status).toBe(503);
      expect(mapped.body.error.code).toBe('UNAVAILABLE');
      expect(mapped.retryAfterSeconds).toBe(refused.retryAfterSeconds);
    });
  });

  it('shutting down fails what is still waiting', async () => {
    const answer = sut.request('routing', 'system.ping', {});
    await sut.onApplicationShutdown();
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sut.inFlightTo('routing')).toBe(0);
    await expect(sut.request('routing', 'system.ping', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sink.sent).toHaveLength(1);
  });
});
