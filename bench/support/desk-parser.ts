import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';

/**
 * Socket.IO's parser for the bench's desks, except that the events named are not parsed: their
 * listeners get `null`. The load generator shares the two cores with the system it measures, and its
 * 50 desks spent most of their CPU in `JSON.parse` of whole conversation views they only count
 * (`conversation.updated`; bench/flow's profile, issue 7's note, session 26). The wire is unchanged:
 * pass it as socket.io-client's `parser` option. Only plain events are skipped (no ack id, not binary);
 * were the server to enable Socket.IO's connection state recovery, the offset it appends to each
 * event would be dropped with the payload.
 */
export function skippingParser(
  nsp: string,
  skipped: readonly string[],
): { Encoder: typeof Encoder; Decoder: typeof Decoder } {
  // An event from the server, without an ack id: `2/desk,["conversation.updated",{…}]`.
  const prefixes = skipped.map((event) => `${PacketType.EVENT}${nsp},[${JSON.stringify(event)},`);
  class SkippingDecoder extends Decoder {
    override add(obj: unknown): void {
      if (typeof obj === 'string') {
        for (let k = 0; k < skipped.length; k++) {
          if (!obj.startsWith(prefixes[k])) continue;
          const packet: Packet = { type: PacketType.EVENT, nsp, data: [skipped[k], null] };
          this.emitReserved('decoded', packet);
          return;
        }
      }
      super.add(obj);
    }
  }
  return { Encoder, Decoder: SkippingDecoder };
}
