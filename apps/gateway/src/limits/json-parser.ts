import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';

/**
 * Socket.IO's encoder without its search for binary attachments. Socket.IO walks every packet it
 * sends, recursively, looking for a Buffer to send as a separate frame (3 % of the gateway's CPU in
 * bench/flow, for one desk event per visitor message). What the gateway emits is built from JSON —
 * Kafka records and HTTP bodies — which cannot hold binary, so every packet goes out as one text frame.
 * The wire format is Socket.IO's own: any client reads it.
 */
export class JsonOnlyEncoder extends Encoder {
  override encode(packet: Packet): string[] {
    if (packet.type === PacketType.EVENT || packet.type === PacketType.ACK)
      return [encodeAsString(this, packet)];
    return super.encode(packet);
  }
}

/** Socket.IO's own text encoding of a packet (private in its typings). */
const encodeAsString = (encoder: Encoder, packet: Packet): string =>
  (Encoder.prototype as unknown as { encodeAsString(this: Encoder, p: Packet): string }).encodeAsString.call(
    encoder,
    packet,
  );

/** The `parser` option of the gateway's Socket.IO server: Socket.IO's decoder, the JSON-only encoder. */
export const jsonOnlyParser = { Encoder: JsonOnlyEncoder, Decoder };
