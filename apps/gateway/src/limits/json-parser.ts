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
    if (packet.type !== PacketType.EVENT && packet.type !== PacketType.ACK) return super.encode(packet);
    const data: unknown = packet.data;
    if (!Array.isArray(data) || !data.some((d) => d instanceof EncodedJson))
      return [encodeAsString(this, packet)];
    // The packet's head (type, namespace, ack id) as Socket.IO writes it, then the arguments' JSON.
    const head = encodeAsString(this, { ...packet, data: undefined });
    return [`${head}[${data.map(argumentJson).join(',')}]`];
  }
}

/**
 * A socket event's argument whose JSON is already written: JsonOnlyEncoder sends `json` as it is,
 * and anything else that serializes it (another encoder, a test, a log) gets `value` (toJSON). For a
 * payload built from parts the gateway sends again and again, e.g. a conversation's view with its
 * latest 50 messages (fanout/encoded-views.ts), whose JSON is then put together instead of written anew.
 * `json` must be the JSON of `value`.
 */
export class EncodedJson<T = unknown> {
  constructor(
    readonly value: T,
    readonly json: string,
  ) {}

  toJSON(): T {
    return this.value;
  }
}

/** An argument's JSON inside the packet's array (`undefined` is written `null`, as JSON.stringify does). */
const argumentJson = (arg: unknown): string =>
  arg instanceof EncodedJson ? arg.json : (JSON.stringify(arg) ?? 'null');

/** Socket.IO's own text encoding of a packet (private in its typings). */
const encodeAsString = (encoder: Encoder, packet: Packet): string =>
  (Encoder.prototype as unknown as { encodeAsString(this: Encoder, p: Packet): string }).encodeAsString.call(
    encoder,
    packet,
  );

/** The `parser` option of the gateway's Socket.IO server: Socket.IO's decoder, the JSON-only encoder. */
export const jsonOnlyParser = { Encoder: JsonOnlyEncoder, Decoder };
