import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { gzipCodec } from './gzip-codec';
import { kafkaClientConfig } from './kafka-options';
import type { KafkaEnv } from '../config';

describe('gzipCodec', () => {
  const json = (bytes: number) =>
    Buffer.from(
      JSON.stringify(
        Array.from({ length: Math.ceil(bytes / 60) }, (_, i) => ({
          type: 'message.posted',
          n: i,
          text: 'hello',
        })),
      ),
    );

  it.each([
    ['a small batch', 1024],
    ['a large batch', 768 * 1024],
  ])('%s: round trip, in plain GZIP that any client reads', async (_, bytes) => {
    const input = json(bytes);

    const compressed = await gzipCodec.compress({ buffer: input });

    expect(compressed.length).toBeLessThan(input.length / 3);
    expect(gunzipSync(compressed).equals(input)).toBe(true);
    expect((await gzipCodec.decompress(compressed)).equals(input)).toBe(true);
  });

  it("reads what another client's GZIP wrote, at any level", async () => {
    const input = json(50_000);

    expect((await gzipCodec.decompress(gzipSync(input, { level: 9 }))).equals(input)).toBe(true);
  });

  it('many batches at once: all round trip', async () => {
    const batches = Array.from({ length: 40 }, (_, i) => json(16 * 1024 + i));

    const compressed = await Promise.all(batches.map((b) => gzipCodec.compress({ buffer: b })));
    const back = await Promise.all(compressed.map((c) => gzipCodec.decompress(c)));

    expect(back.every((b, i) => b.equals(batches[i]))).toBe(true);
  });

  it("is kafkajs's GZIP codec for every client built by kafkaClientConfig", () => {
    kafkaClientConfig({ KAFKA_BROKERS: ['127.0.0.1:9092'] } as KafkaEnv, 'test');

    expect(CompressionCodecs[CompressionTypes.GZIP]()).toBe(gzipCodec);
  });
});
