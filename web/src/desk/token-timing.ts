/** When a desk token should be renewed, from its own claims (pure: the time is passed in). */
interface Claims {
  iat?: number;
  exp?: number;
}

export function claimsOf(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as Claims;
  } catch {
    return {};
  }
}

/** When to refresh: half-way through the token's life (at once if that has passed); null with no `exp`. */
export function refreshDelayMs(token: string, now: number): number | null {
  const { iat, exp } = claimsOf(token);
  if (!exp) return null;
  const issued = (iat ?? now / 1000) * 1000;
  const half = issued + (exp * 1000 - issued) / 2;
  return Math.max(0, half - now);
}
