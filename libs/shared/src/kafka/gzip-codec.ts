import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { gzip, unzip } from 'node:zlib';
import { promisify } from 'node:util';

/**
 * zlib's fastest level: Pupitre's batches are JSON events of a few hundred bytes each, which level 1
 * compresses to within a few percent of the default level 6 (a 16-KB batch of `message.posted`
 * events: 5.1 KB against 4.9 KB), in a quarter of the time (57 µs against 218 µs on this machine).
 */
const LEVEL = 1;

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * kafkajs's GZIP codec at level 1 (issue 7: every batch of the outbox relays from 16 KiB is
 * compressed, and the two cores are the limit). Like kafkajs's own, it runs on libuv's threads.
 * (De)compressing in place on the loop, one native call instead of zlib's streams, was tried in
 * session 15: at 1,000 messages/s desk deliveries were faster, but the gateway then answered the
 * POSTs of the first seconds of a burst 6–14 s late, in most runs; not kept.
 * The wire format is unchanged GZIP: any client reads what this one writes and the other way.
 */
export const gzipCodec = {
  compress: (encoder: { buffer: Buffer }): Promise<Buffer> => gzipAsync(encoder.buffer, { level: LEVEL }),
  decompress: (buffer: Buffer): Promise<Buffer> => unzipAsync(buffer),
};

/** Makes `gzipCodec` kafkajs's GZIP codec, for every client of this process. */
export function useGzipCodec(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
}
