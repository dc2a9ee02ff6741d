import { readClaims } from '../../../libs/sdk/src/token';

/**
 * When to refresh a desk token, from its own claims (read as the SDK reads a visitor's): half-way
 * through its life (at once if that has passed); null with no `exp`. Pure: the time is passed in.
 */
export function refreshDelayMs(token: string, now: number): number | null {
  const { iat, exp } = readClaims(token);
  if (!exp) return null;
  const issued = (iat ?? now / 1000) * 1000;
  const half = issued + (exp * 1000 - issued) / 2;
  return Math.max(0, half - now);
}
