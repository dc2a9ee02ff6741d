import { CompressionTypes } from 'kafkajs';
import { codecFor, zstdCodec } from './compression';

describe('codecFor', () => {
  it('uses the internal codec for internal topics', () => {
    expect(codecFor(['conversation.events', 'gateway.replies'], 'zstd')).toBe(CompressionTypes.ZSTD);
    expect(codecFor(['conversation.events'], 'gzip')).toBe(CompressionTypes.GZIP);
  });

  it('uses GZIP as soon as a public topic is in the request', () => {
    expect(codecFor(['conversation.events', 'billing.remunerations'], 'zstd')).toBe(CompressionTypes.GZIP);
    expect(codecFor(['notifications.push'], 'zstd')).toBe(CompressionTypes.GZIP);
  });
});

describe('zstdCodec', () => {
  it('decompresses what it compressed, smaller for JSON', async () => {
    const json = Buffer.from(
      JSON.stringify(Array.from({ length: 100 }, (_, n) => ({ n, type: 'message.created' }))),
    );
    const packed = await zstdCodec.compress({ buffer: json });
    expect(packed.length).toBeLessThan(json.length / 3);
    expect(await zstdCodec.decompress(packed)).toEqual(json);
  });
});
