import { refreshDelayMs } from './token-timing';

const token = (claims: object) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;

describe('desk token refresh timing', () => {
  it('renews half-way through the token lifetime', () => {
    const iat = 1_800_000_000;
    expect(refreshDelayMs(token({ iat, exp: iat + 36_000 }), iat * 1000)).toBe(18_000_000);
    expect(refreshDelayMs(token({ iat, exp: iat + 36_000 }), (iat + 10_000) * 1000)).toBe(8_000_000);
  });

  it('renews at once past half-way, and not at all without an expiry', () => {
    const iat = 1_800_000_000;
    expect(refreshDelayMs(token({ iat, exp: iat + 100 }), (iat + 90) * 1000)).toBe(0);
    expect(refreshDelayMs(token({ iat }), iat * 1000)).toBeNull();
    expect(refreshDelayMs('not a token', 0)).toBeNull();
  });
});
