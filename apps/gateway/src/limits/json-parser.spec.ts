import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';
import { EncodedJson, JsonOnlyEncoder } from './json-parser';

describe('JsonOnlyEncoder', () => {
  const packets: Packet[] = [
    {
      type: PacketType.EVENT,
      nsp: '/desk',
      data: ['message.created', { id: 'm1', text: 'héllo', at: null }],
    },
    { type: PacketType.EVENT, nsp: '/', data: ['slots', { version: 3, used: [1, 2] }] },
    { type: PacketType.ACK, nsp: '/desk', id: 7, data: [{ ok: false, error: { code: 'NOT_FOUND' } }] },
    { type: PacketType.CONNECT, nsp: '/desk', data: { sid: 'abc' } },
    { type: PacketType.CONNECT_ERROR, nsp: '/desk', data: { message: 'UNAUTHENTICATED' } },
    { type: PacketType.DISCONNECT, nsp: '/desk' },
  ];

  it.each(packets)('writes what Socket.IO writes for JSON data (%j)', (packet) => {
    expect(new JsonOnlyEncoder().encode(packet)).toEqual(new Encoder().encode(packet));
  });

  it("is read back by Socket.IO's decoder", () => {
    const [text] = new JsonOnlyEncoder().encode(packets[0]);
    const decoded: Packet[] = [];
    const decoder = new Decoder();
    decoder.on('decoded', (p: Packet) => decoded.push(p));
    decoder.add(text);
    expect(decoded).toEqual([packets[0]]);
  });

  it('sends an EncodedJson argument as its JSON, what Socket.IO writes for its value', () => {
    const value = { conversationId: 'c1', message: { id: 'm1', text: 'a "quoted" é' } };
    const packet = (data: unknown[], id?: number): Packet => ({
      type: PacketType.EVENT,
      nsp: '/desk',
      id,
      data,
    });
    const encoded = new EncodedJson(value, JSON.stringify(value));
    for (const [data, id] of [
      [['message.created', encoded], undefined],
      [['two', encoded, { plain: 1 }, undefined], 4],
    ] as [unknown[], number | undefined][]) {
      const plain = data.map((d) => (d instanceof EncodedJson ? d.value : d));
      expect(new JsonOnlyEncoder().encode(packet(data, id))).toEqual(new Encoder().encode(packet(plain, id)));
    }
  });

  it('an EncodedJson serialized by anything else is its value', () => {
    expect(JSON.stringify({ a: new EncodedJson({ b: 1 }, 'not used') })).toBe('{"a":{"b":1}}');
  });
});
