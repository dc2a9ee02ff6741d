import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GZIP_IN_PLACE_BYTES_PER_TURN, gzipCodec } from './gzip-codec';
import { kafkaClientConfig } from './kafka-options';
import type { KafkaEnv } from '../config';

describe('gzipCodec', () => {
  /** About `bytes` of JSON events (at least that many). */
  const json = (bytes: number) =>
    Buffer.from(
      JSON.stringify(
        Array.from({ length: Math.ceil(bytes / 45) }, (_, i) => ({
          type: 'message.posted',
          n: i,
          text: 'hello',
        })),
      ),
    );

  it.each([
    ['a small batch', 1024],
    ['a batch larger than the budget of a turn', GZIP_IN_PLACE_BYTES_PER_TURN * 3],
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

  it('many batches in one turn of the loop (past its budget): all round trip', async () => {
    const batches = Array.from({ length: 40 }, (_, i) => json(16 * 1024 + i));

    const compressed = await Promise.all(batches.map((b) => gzipCodec.compress({ buffer: b })));
    const back = await Promise.all(compressed.map((c) => gzipCodec.decompress(c)));

    expect(back.every((b, i) => b.equals(batches[i]))).toBe(true);
  });

  it('compresses in place within the budget of one turn, and on the threads past it', async () => {
    await new Promise((r) => setImmediate(r)); // a fresh turn: nothing spent yet
    const zlib = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    const inPlace = jest.spyOn(zlib, 'gzipSync');
    try {
      const batch = json(GZIP_IN_PLACE_BYTES_PER_TURN / 4);
      // Alone within the budget, but not with the first one in the same turn.
      const rest = Buffer.alloc(GZIP_IN_PLACE_BYTES_PER_TURN - batch.length + 1, 'a');
      expect(rest.length).toBeLessThanOrEqual(GZIP_IN_PLACE_BYTES_PER_TURN);
      const first = gzipCodec.compress({ buffer: batch });
      const second = gzipCodec.compress({ buffer: rest });
      await Promise.all([first, second]);
      expect(inPlace).toHaveBeenCalledTimes(1);

      await new Promise((r) => setImmediate(r)); // the next turn has its budget again
      await gzipCodec.compress({ buffer: batch });
      expect(inPlace).toHaveBeenCalledTimes(2);
    } finally {
      inPlace.mockRestore();
    }
  });

  it('decompresses in place within the same budget (four times the compressed size), on the threads past it', async () => {
    const zlib = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    const small = zlib.gzipSync(json(8 * 1024), { level: 1 });
    // Hardly compressible: its estimate alone is past a turn's budget.
    const large = zlib.gzipSync(
      Buffer.from(randomBytes(GZIP_IN_PLACE_BYTES_PER_TURN / 2).toString('base64')),
    );
    expect(large.length * 4).toBeGreaterThan(GZIP_IN_PLACE_BYTES_PER_TURN);
    await new Promise((r) => setImmediate(r)); // a fresh turn: nothing spent yet
    const inPlace = jest.spyOn(zlib, 'unzipSync');
    try {
      const [a, b] = await Promise.all([gzipCodec.decompress(small), gzipCodec.decompress(large)]);

      expect(inPlace).toHaveBeenCalledTimes(1);
      expect(a.equals(zlib.gunzipSync(small))).toBe(true);
      expect(b.equals(zlib.gunzipSync(large))).toBe(true);
    } finally {
      inPlace.mockRestore();
    }
  });

  it("is kafkajs's GZIP codec for every client built by kafkaClientConfig", () => {
    kafkaClientConfig({ KAFKA_BROKERS: ['127.0.0.1:9092'] } as KafkaEnv, 'test');

    expect(CompressionCodecs[CompressionTypes.GZIP]()).toBe(gzipCodec);
  });
});
