import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { BILLING_REMUNERATIONS } from '../contracts/billing-remunerations/remuneration';
import { NOTIFICATIONS_PUSH } from '../contracts/notifications-push/push-notification';

/**
 * Topics read outside Pupitre (CONTRACT.md: finance, the push sender): always GZIP, the one codec every
 * Kafka client has (kafkajs ships no other). The internal topics are read only by Pupitre's services.
 */
export const PUBLIC_TOPICS: ReadonlySet<string> = new Set([BILLING_REMUNERATIONS, NOTIFICATIONS_PUSH]);

export type InternalCodec = 'zstd' | 'gzip';

const zstdCompress = promisify(zlib.zstdCompress);
const zstdDecompress = promisify(zlib.zstdDecompress);
/** Level 1: JSON events compress about as well as with GZIP's default, at a fraction of its CPU. */
const ZSTD_PARAMS = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } };

/** kafkajs's codec interface (its GZIP codec has the same shape): encoder in, buffer out. */
export const zstdCodec = {
  compress: (encoder: { buffer: Buffer }): Promise<Buffer> => zstdCompress(encoder.buffer, ZSTD_PARAMS),
  decompress: (buffer: Buffer): Promise<Buffer> => zstdDecompress(buffer),
};

/**
 * Lets this process's kafkajs read and write ZSTD record batches (Node's own zstd, no native addon).
 * kafkajs keeps codecs in a module-level table, so once per process (or jest module registry) covers
 * every client; kafkaClientConfig calls it, since every client of the services is built there.
 */
export function registerZstd(): void {
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}

/** The codec of a produce request: GZIP as soon as it holds a public topic, else the internal one. */
export function codecFor(topics: Iterable<string>, internal: InternalCodec): CompressionTypes {
  for (const topic of topics) if (PUBLIC_TOPICS.has(topic)) return CompressionTypes.GZIP;
  return internal === 'zstd' ? CompressionTypes.ZSTD : CompressionTypes.GZIP;
}
