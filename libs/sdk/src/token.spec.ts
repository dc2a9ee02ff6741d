import { jwt } from '../test/fakes';
import { isExpired, needsRefresh, readClaims } from './token';

describe(readClaims.name, () => {
  it('reads iat and exp from a JWT, base64url and all', () => {
    expect(readClaims(jwt({ sub: 'ü?>', iat: 100, exp: 200 }))).toEqual({ iat: 100, exp: 200 });
  });

  it('reads without atob too (older React Native)', () => {
    const atob = globalThis.atob;
    try {
      (globalThis as { atob?: unknown }).atob = undefined;
      expect(readClaims(jwt({ role: 'visitor~~~', iat: 1, exp: 2 }))).toEqual({ iat: 1, exp: 2 });
    } finally {
      globalThis.atob = atob;
    }
  });

  it('is empty for what is not a JWT', () => {
    expect(readClaims('opaque')).toEqual({});
    expect(readClaims('a.%%%.c')).toEqual({});
    expect(readClaims(`a.${Buffer.from('"x"').toString('base64url')}.c`)).toEqual({});
  });
});

describe(needsRefresh.name, () => {
  const claims = { iat: 1000, exp: 1000 + 8 * 86_400 };

  it('is due once half the lifetime is gone', () => {
    expect(needsRefresh(claims, (1000 + 4 * 86_400 - 1) * 1000)).toBe(false);
    expect(needsRefresh(claims, (1000 + 4 * 86_400) * 1000)).toBe(true);
  });

  it('is never due for a token without exp', () => {
    expect(needsRefresh({ iat: 1 }, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('knows an expired token', () => {
    expect(isExpired(claims, claims.exp * 1000)).toBe(true);
    expect(isExpired(claims, claims.exp * 1000 - 1)).toBe(false);
  });
});
