import { CompressionCodecs, CompressionTypes } from 'kafkajs';
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
  /** zlib itself, whose synchronous calls the tests spy on (the codec calls them through the module). */
  const zlib = jest.requireActual<typeof import('node:zlib')>('node:zlib');
  /** The next turn of the loop: the codec's budget is fresh there. */
  const freshTurn = () => new Promise((r) => setImmediate(r));

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
    await freshTurn(); // nothing spent yet
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

      await freshTurn(); // the next turn has its budget again
      await gzipCodec.compress({ buffer: batch });
      expect(inPlace).toHaveBeenCalledTimes(2);
    } finally {
      inPlace.mockRestore();
    }
  });

  describe('decompression in place', () => {
    /** GZIP of about this share of a turn's budget, once inflated. */
    const batchOf = (share: number) => zlib.gzipSync(json(GZIP_IN_PLACE_BYTES_PER_TURN * share));
    let inPlace: jest.SpyInstance;
    beforeEach(async () => {
      await freshTurn(); // nothing spent yet
      inPlace = jest.spyOn(zlib, 'unzipSync');
    });
    afterEach(() => inPlace.mockRestore());

    it('within the budget of a turn, by the size each batch inflates to; on the threads past it', async () => {
      const [a, b] = [batchOf(0.6), batchOf(0.6)];

      const out = await Promise.all([gzipCodec.decompress(a), gzipCodec.decompress(b)]);

      expect(inPlace).toHaveBeenCalledTimes(1);
      expect(out[0].equals(zlib.gunzipSync(a))).toBe(true);
      expect(out[1].equals(zlib.gunzipSync(b))).toBe(true);
      await freshTurn(); // the next turn has its budget again
      await gzipCodec.decompress(b);
      expect(inPlace).toHaveBeenCalledTimes(2);
    });

    it('shares the budget with compression', async () => {
      const compressed = gzipCodec.compress({ buffer: json(GZIP_IN_PLACE_BYTES_PER_TURN * 0.6) });
      const inflated = gzipCodec.decompress(batchOf(0.6));
      await Promise.all([compressed, inflated]);

      expect(inPlace).not.toHaveBeenCalled();
    });

    it('a batch that inflates past the budget although its trailer says less (streams back to back): on the threads, whole', async () => {
      const large = zlib.gzipSync(json(GZIP_IN_PLACE_BYTES_PER_TURN * 2));
      const batch = Buffer.concat([large, zlib.gzipSync(json(100))]); // the trailer is the small one's

      const out = await gzipCodec.decompress(batch);

      expect(inPlace).toHaveBeenCalledTimes(1); // tried, stopped at the budget
      expect(out.equals(zlib.unzipSync(batch))).toBe(true);
    });
  });

  it("is kafkajs's GZIP codec for every client built by kafkaClientConfig", () => {
    kafkaClientConfig({ KAFKA_BROKERS: ['127.0.0.1:9092'] } as KafkaEnv, 'test');

    expect(CompressionCodecs[CompressionTypes.GZIP]()).toBe(gzipCodec);
  });
});
