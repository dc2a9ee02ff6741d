import type { ProducerBatch } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { KafkaProducer, ProducerClosed } from './kafka-producer';

/** A kafkajs producer whose produce requests are acknowledged (or refused) when the test says. */
function broker() {
  const requests: { values: string[][]; settle: (err?: Error) => void }[] = [];
  const calls: string[] = [];
  const producer = {
    connect: async () => undefined,
    disconnect: async () => void calls.push('disconnect'),
    sendBatch: (batch: ProducerBatch) =>
      new Promise<never[]>((resolve, reject) => {
        const values = (batch.topicMessages ?? []).map((t) => t.messages.map((m) => String(m.value)));
        calls.push('sendBatch');
        requests.push({ values, settle: (err) => (err ? reject(err) : resolve([])) });
      }),
  };
  return { producer, requests, calls };
}

const env = { KAFKA_BROKERS: ['127.0.0.1:9092'], KAFKA_TOPIC_PREFIX: '' } as unknown as KafkaEnv;
const msg = (value: string) => [{ key: value, value }];

describe('KafkaProducer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends everything cut while a request is in flight in the next one, in the order it was sent', async () => {
    const { producer, requests } = broker();
    const sut = new KafkaProducer(env, 'test', { lingerMs: 2, producer });
    const first = sut.send('t', msg('a'));
    await jest.advanceTimersByTimeAsync(2);
    expect(requests.map((r) => r.values)).toEqual([[['a']]]);

    // Three lingers' worth while the first request waits for its acknowledgement.
    const later = [sut.send('t', msg('b')), sut.send('u', msg('c'))];
    await jest.advanceTimersByTimeAsync(2);
    later.push(sut.send('t', msg('d')));
    await jest.advanceTimersByTimeAsync(2);
    later.push(sut.send('t', msg('e')));
    await jest.advanceTimersByTimeAsync(2);
    expect(requests).toHaveLength(1);

    requests[0].settle();
    await first;
    await jest.advanceTimersByTimeAsync(0);
    expect(requests.map((r) => r.values)).toEqual([[['a']], [['b', 'd', 'e'], ['c']]]);
    requests[1].settle();
    await Promise.all(later);
    expect(sut.stats()).toEqual({ batches: 2, messages: 5 });
  });

  it('keeps what waits for the broker within a round trip when acknowledgements come slower than the linger', async () => {
    // A broker 10 ms away (a replicated cluster across a network), a message every millisecond for half
    // a second: a 2-ms linger cuts five batches per round trip.
    const roundTripMs = 10;
    const producer = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: () => new Promise<never[]>((resolve) => setTimeout(() => resolve([]), roundTripMs)),
    };
    const sut = new KafkaProducer(env, 'test', { lingerMs: 2, producer });
    const waits: number[] = [];
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      const sentAt = Date.now();
      sends.push(sut.send('t', msg(`m${i}`)).then(() => void waits.push(Date.now() - sentAt)));
      await jest.advanceTimersByTimeAsync(1);
    }
    await jest.advanceTimersByTimeAsync(100);
    expect(waits).toHaveLength(500);
    // The linger, the request in flight when it was cut, and its own: never a queue of requests.
    expect(Math.max(...waits)).toBeLessThanOrEqual(2 + 2 * roundTripMs + 1);
    expect(sut.stats().batches).toBeLessThanOrEqual(500 / roundTripMs + 2);
  });

  it('with no linger, sends at once, and what is sent while a request is in flight leaves in the next one', async () => {
    const { producer, requests } = broker();
    const sut = new KafkaProducer(env, 'test', { lingerMs: 0, producer });
    const first = sut.send('t', msg('a'));
    await jest.advanceTimersByTimeAsync(0);
    expect(requests.map((r) => r.values)).toEqual([[['a']]]);
    const later = [sut.send('t', msg('b')), sut.send('t', msg('c'))];
    await jest.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(1);
    requests[0].settle();
    await first;
    await jest.advanceTimersByTimeAsync(0);
    expect(requests.map((r) => r.values)).toEqual([[['a']], [['b', 'c']]]);
    requests[1].settle();
    await Promise.all(later);
  });

  it('keeps a request within maxBatchBytes, and a send larger than that alone', async () => {
    const { producer, requests } = broker();
    const sut = new KafkaProducer(env, 'test', { lingerMs: 2, maxBatchBytes: 250, producer });
    const sends = [sut.send('t', msg('a'))];
    await jest.advanceTimersByTimeAsync(2);
    // 100 bytes each as bytesOf counts them (value, key and 64 of overhead): two fit in 250, not three.
    const small = (c: string) => sut.send('t', msg(c.repeat(18)));
    sends.push(small('b'), small('c'), small('d'), sut.send('t', msg('x'.repeat(400))), small('e'));
    await jest.advanceTimersByTimeAsync(2);

    for (let i = 0; i < 4; i++) {
      requests[i].settle();
      await jest.advanceTimersByTimeAsync(0);
    }
    expect(requests.map((r) => r.values[0].map((v) => v[0] + v.length))).toEqual([
      ['a1'],
      ['b18', 'c18'],
      ['d18'],
      ['x400'],
      ['e18'],
    ]);
    requests[4].settle();
    await Promise.all(sends);
  });

  it('rejects the callers of a refused request only, and goes on with the next', async () => {
    const { producer, requests } = broker();
    const sut = new KafkaProducer(env, 'test', { lingerMs: 2, producer });
    const refused = [sut.send('t', msg('a')), sut.send('t', msg('b'))];
    await jest.advanceTimersByTimeAsync(2);
    const next = sut.send('t', msg('c'));
    await jest.advanceTimersByTimeAsync(2);

    requests[0].settle(new Error('NOT_LEADER_FOR_PARTITION'));
    for (const p of refused) await expect(p).rejects.toThrow('NOT_LEADER_FOR_PARTITION');
    await jest.advanceTimersByTimeAsync(0);
    requests[1].settle();
    await expect(next).resolves.toBeUndefined();
    expect(requests.map((r) => r.values)).toEqual([[['a', 'b']], [['c']]]);
  });

  it('sends what lingers, and what was sent while its last request was in flight, before it disconnects', async () => {
    const { producer, requests, calls } = broker();
    const sut = new KafkaProducer(env, 'test', { lingerMs: 50, producer });
    const sent = [sut.send('t', msg('a'))];
    await sut.connect();
    const closed = sut.disconnect();
    await jest.advanceTimersByTimeAsync(0);
    sent.push(sut.send('t', msg('b')));
    requests[0].settle();
    await jest.advanceTimersByTimeAsync(0);
    requests[1].settle();
    await Promise.all([...sent, closed]);
    expect(requests.map((r) => r.values)).toEqual([[['a']], [['b']]]);
    expect(calls).toEqual(['sendBatch', 'sendBatch', 'disconnect']);
  });

  it('sends again once it has gone idle', async () => {
    const { producer, requests } = broker();
    const sut = new KafkaProducer(env, 'test', { lingerMs: 2, producer });
    const first = sut.send('t', msg('a'));
    await jest.advanceTimersByTimeAsync(2);
    requests[0].settle();
    await first;
    await jest.advanceTimersByTimeAsync(10);
    const second = sut.send('t', msg('b'));
    await jest.advanceTimersByTimeAsync(2);
    expect(requests.map((r) => r.values)).toEqual([[['a']], [['b']]]);
    requests[1].settle();
    await second;
  });

  it('refuses a send after it has disconnected instead of opening a new connection, until connected again', async () => {
    const { producer, requests, calls } = broker();
    const connects = jest.fn(async () => undefined);
    producer.connect = connects;
    const sut = new KafkaProducer(env, 'test', { lingerMs: 2, producer });
    await sut.connect();
    await sut.disconnect();

    await expect(sut.send('t', msg('late'))).rejects.toBeInstanceOf(ProducerClosed);
    await expect(sut.sendBatch([{ topic: 't', messages: msg('late') }])).rejects.toBeInstanceOf(
      ProducerClosed,
    );
    await jest.advanceTimersByTimeAsync(10);
    expect(requests).toHaveLength(0);
    expect(connects).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(['disconnect']);

    await sut.connect();
    const again = sut.send('t', msg('again'));
    await jest.advanceTimersByTimeAsync(2);
    requests[0].settle();
    await again;
    expect(connects).toHaveBeenCalledTimes(2);
  });
});
