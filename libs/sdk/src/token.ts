/** What the SDK reads from a visitor token (it never verifies one: the server does). */
export interface TokenClaims {
  /** Seconds since the epoch. */
  iat?: number;
  exp?: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64Decode(input: string): string {
  const atob = (globalThis as { atob?: (s: string) => string }).atob;
  if (typeof atob === 'function') return atob(input);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const ch of input.replace(/=+$/, '')) {
    const index = B64.indexOf(ch);
    if (index < 0) throw new Error('not base64');
    value = (value << 6) | index;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  return out;
}

/** The `iat`/`exp` of a JWT; an empty object when the token is not one. */
export function readClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const parsed: unknown = JSON.parse(base64Decode(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { iat, exp } = parsed as { iat?: unknown; exp?: unknown };
    return {
      iat: typeof iat === 'number' ? iat : undefined,
      exp: typeof exp === 'number' ? exp : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * Refresh before using a token once half its lifetime is gone (docs/contract.md, Tokens). Sliding
 * renewal (`X-Visitor-Token`) normally keeps a used token young; this covers an app back after days.
 */
export function needsRefresh(claims: TokenClaims, nowMs: number): boolean {
  if (claims.exp === undefined) return false;
  const expMs = claims.exp * 1000;
  const lifetimeMs = claims.iat === undefined ? 0 : expMs - claims.iat * 1000;
  return nowMs >= expMs - lifetimeMs / 2;
}

/** Past its expiry: no use sending it, not even to the refresh endpoint. */
export function isExpired(claims: TokenClaims, nowMs: number): boolean {
  return claims.exp !== undefined && nowMs >= claims.exp * 1000;
}
