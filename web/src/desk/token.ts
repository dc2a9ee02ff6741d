/**
 * The desk token lives in sessionStorage: it survives a reload of this tab, is not shared with other
 * tabs and is gone when the tab closes (never localStorage). It is refreshed through
 * `POST /v1/agent/token` at half its lifetime; the new token is used for the next connection.
 */
const KEY = 'pupitre.desk.token';

export { refreshDelayMs } from './token-timing';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};

export async function refreshToken(token: string): Promise<string> {
  const res = await fetch('/v1/agent/token', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`token refresh answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
