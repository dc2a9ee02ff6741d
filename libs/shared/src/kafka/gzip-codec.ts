import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { gzip, gzipSync, unzip, unzipSync } from 'node:zlib';
import { promisify } from 'node:util';

/**
 * zlib's fastest level: Pupitre's batches are JSON events of a few hundred bytes each, which level 1
 * compresses to within a few percent of the default level 6 (a 16-KB batch of `message.posted`
 * events: 5.1 KB against 4.9 KB), in a quarter of the time (57 µs against 218 µs on this machine).
 */
const LEVEL = 1;

/**
 * Uncompressed bytes zlib handles in place per turn of the event loop, compressing and decompressing
 * together (about 1 ms of CPU at level 1); past it, a batch goes to libuv's threads, so a relay
 * catching up on a backlog, or a consumer reading one, gives zlib no more than that of a turn (kafkajs
 * decodes an inflated batch's records in the same turn).
 */
export const GZIP_IN_PLACE_BYTES_PER_TURN = 256 * 1024;

/** What zlib handled in place in this turn of the loop. */
let spentThisTurn = 0;

function inPlace(bytes: number): boolean {
  if (spentThisTurn + bytes > GZIP_IN_PLACE_BYTES_PER_TURN) return false;
  if (spentThisTurn === 0) setImmediate(() => (spentThisTurn = 0));
  spentThisTurn += bytes;
  return true;
}

/**
 * What a batch will inflate to: a GZIP stream ends with its uncompressed size (ISIZE, modulo 2^32,
 * which zlib checks); anything else (a zlib stream) is taken at four times its size, more than
 * Pupitre's JSON batches shrink at level 1.
 */
function inflatedSize(buffer: Buffer): number {
  const gzipped = buffer.length >= 18 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  return gzipped ? buffer.readUInt32LE(buffer.length - 4) : buffer.length * 4;
}

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * kafkajs's GZIP codec, made cheaper for the batches Pupitre sends (issue 7: the two cores are the
 * limit). kafkajs runs every batch through zlib's stream machinery on libuv's threads, whose
 * JavaScript around each chunk cost the producers' loops (the relays' above all) more than compressing
 * a 16–256 KB batch in one synchronous call; and on a consumer, every compressed batch of a fetch was
 * a hand-off to the pool and back, each waiting for a core, before kafkajs delivered the fetch (the
 * gateway's desk feed fell behind by that: docs/architecture.md, Batching). So both run in place, up
 * to GZIP_IN_PLACE_BYTES_PER_TURN per turn of the loop, and on the threads past it.
 *
 * A batch to inflate is charged its size from the GZIP trailer and may not inflate past the budget in
 * place: one that would (several streams back to back, whose trailer tells only the last one's size)
 * is inflated again on the threads.
 *
 * The wire format is unchanged GZIP: any client reads what this one writes and the other way.
 */
export const gzipCodec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    const input = encoder.buffer;
    return inPlace(input.length) ? gzipSync(input, { level: LEVEL }) : gzipAsync(input, { level: LEVEL });
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    const expected = inflatedSize(buffer);
    if (!inPlace(expected)) return unzipAsync(buffer);
    let inflated: Buffer;
    try {
      inflated = unzipSync(buffer, { maxOutputLength: GZIP_IN_PLACE_BYTES_PER_TURN });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw err;
      spentThisTurn = GZIP_IN_PLACE_BYTES_PER_TURN; // it did inflate that much: the turn is spent
      return unzipAsync(buffer);
    }
    spentThisTurn += inflated.length - expected;
    return inflated;
  },
};

/** Makes `gzipCodec` kafkajs's GZIP codec, for every client of this process. */
export function useGzipCodec(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
}
