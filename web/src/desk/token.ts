/**
 * The desk token lives in sessionStorage: it survives a reload of this tab, is not shared with other
 * tabs and is gone when the tab closes (never localStorage). It is refreshed through
 * `POST /v1/agent/token` at half its lifetime; the new token is used for the next connection.
 */
const KEY = 'pupitre.desk.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};

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

export async function refreshToken(token: string): Promise<string> {
  const res = await fetch('/v1/agent/token', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`token refresh answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
