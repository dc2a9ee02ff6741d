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
 * Uncompressed bytes (de)compressed in place per turn of the event loop (about 1 ms of CPU at level
 * 1); past it, a batch goes to libuv's threads, so a relay catching up on a backlog, or a consumer
 * reading one, holds the loop no more than that per turn.
 */
export const GZIP_IN_PLACE_BYTES_PER_TURN = 256 * 1024;

/**
 * A batch to decompress counts against the budget as this many times its compressed size (its output
 * is not known before): Pupitre's JSON batches shrink 3–4× at level 1.
 */
const INFLATED_PER_COMPRESSED_BYTE = 4;

/** What was (de)compressed in place in this turn of the loop. */
let spentThisTurn = 0;

function inPlace(bytes: number): boolean {
  if (spentThisTurn + bytes > GZIP_IN_PLACE_BYTES_PER_TURN) return false;
  if (spentThisTurn === 0) setImmediate(() => (spentThisTurn = 0));
  spentThisTurn += bytes;
  return true;
}

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * kafkajs's GZIP codec, made cheaper for the batches Pupitre sends (issue 7: the two cores are the
 * limit). kafkajs runs every batch through zlib's stream machinery on libuv's threads, whose
 * JavaScript around each chunk cost the producers' loops (the relays' above all) more than compressing
 * a 16–256 KB batch in one synchronous call: so compression runs in place, up to
 * GZIP_IN_PLACE_BYTES_PER_TURN per turn of the loop, and on the threads past it. Measured at 1,000
 * visitor messages/s: a fifth to a third more messages accepted and delivered in the same CPU
 * (`bench/results/flow-1000-session16-codec*`).
 *
 * Decompression too runs in place, within the same budget per turn. On the threads, every compressed
 * batch a fetch brought was a hand-off to libuv's pool and back to the loop before kafkajs could hand
 * the fetch over; at 1,000 visitor messages/s on two cores, where every thread waits for a core, those
 * hand-offs kept the gateway's desk feed 109–164 ms behind the relay on average, against 8–44 ms in
 * place (session 24, `bench/results/*session24*`). Session 15 had inflated in place every batch up to
 * 64 KB with no budget per turn, and saw the POSTs of a burst's first seconds answered late; the
 * budget bounds what a fetch that catches up inflates per turn.
 *
 * The wire format is unchanged GZIP: any client reads what this one writes and the other way.
 */
export const gzipCodec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    const input = encoder.buffer;
    return inPlace(input.length) ? gzipSync(input, { level: LEVEL }) : gzipAsync(input, { level: LEVEL });
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return inPlace(buffer.length * INFLATED_PER_COMPRESSED_BYTE) ? unzipSync(buffer) : unzipAsync(buffer);
  },
};

/** Makes `gzipCodec` kafkajs's GZIP codec, for every client of this process. */
export function useGzipCodec(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
}
