import { newClientMessageId } from './ids';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(newClientMessageId.name, () => {
  it('uses crypto.randomUUID where there is one', () => {
    expect(newClientMessageId({ randomUUID: () => 'from-crypto' })).toBe('from-crypto');
  });

  it('makes a version 4 UUID from getRandomValues, or from Math.random when there is no crypto', () => {
    const fromBytes = newClientMessageId({
      getRandomValues: <T extends ArrayBufferView | null>(a: T) => {
        (a as unknown as Uint8Array).fill(0xff);
        return a;
      },
    });
    expect(fromBytes).toMatch(UUID_V4);
    const ids = new Set(Array.from({ length: 1000 }, () => newClientMessageId({})));
    expect(ids.size).toBe(1000);
    ids.forEach((id) => expect(id).toMatch(UUID_V4));
  });
});
