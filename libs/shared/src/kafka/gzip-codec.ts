import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { gzip, gzipSync, unzip, unzipSync } from 'node:zlib';
import { promisify } from 'node:util';

/**
 * Bytes (uncompressed, or four times the compressed size for a batch to decompress) (de)compressed in
 * place per turn of the event loop; past it, a batch goes to libuv's threads. kafkajs decodes every
 * batch of a fetch in one go, so without a budget a catch-up fetch of 10 MB would hold the loop.
 */
export const GZIP_IN_PLACE_BYTES_PER_TURN = 256 * 1024;

/** What was (de)compressed in place in this turn of the loop. */
let spentThisTurn = 0;

function inPlace(bytes: number): boolean {
  if (spentThisTurn + bytes > GZIP_IN_PLACE_BYTES_PER_TURN) return false;
  if (spentThisTurn === 0) setImmediate(() => (spentThisTurn = 0));
  spentThisTurn += bytes;
  return true;
}

/**
 * zlib's fastest level: Pupitre's batches are JSON events of a few hundred bytes each, which level 1
 * compresses to within a few percent of the default level 6 (a 16-KB batch of `message.posted`
 * events: 5.1 KB against 4.9 KB), in a quarter of the time (57 µs against 218 µs on this machine).
 */
const LEVEL = 1;

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * kafkajs's GZIP codec, made cheaper for the batches Pupitre sends (issue 7: in CPU profiles of every
 * service at 1,000 visitor messages/s, zlib was 5–6 % of each one's busy samples). kafkajs compresses
 * and decompresses every batch through zlib's stream machinery on libuv's threads, whose JavaScript
 * around each chunk cost more on the loop than the compression itself for batches of 16–64 KB; in
 * place it is one native call. Past a budget per turn of the loop (a large batch, or many in one
 * fetch) they still go to the threads, so the loop never stops for long. The wire format is
 * unchanged GZIP: any client reads what this one writes and the other way.
 */
export const gzipCodec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    const input = encoder.buffer;
    return inPlace(input.length) ? gzipSync(input, { level: LEVEL }) : gzipAsync(input, { level: LEVEL });
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return inPlace(buffer.length * 4) ? unzipSync(buffer) : unzipAsync(buffer);
  },
};

/** Makes `gzipCodec` kafkajs's GZIP codec, for every client of this process. */
export function useGzipCodec(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
}
