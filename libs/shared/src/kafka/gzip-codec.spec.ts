import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GZIP_IN_PLACE_BYTES, gzipCodec, useGzipCodec } from './gzip-codec';

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
    ['a small batch (in place)', 1024],
    ['a large batch (off the loop)', GZIP_IN_PLACE_BYTES * 3],
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

  it("becomes kafkajs's GZIP codec", () => {
    useGzipCodec();

    expect(CompressionCodecs[CompressionTypes.GZIP]()).toBe(gzipCodec);
  });
});
