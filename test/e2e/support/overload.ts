import { expectError } from './expectations';
import type { Res } from './http';
import type { Visitor } from './system';

/**
 * A call made one at a time under a bound of one request: the gateway's own heartbeat to
 * conversation (every 5 s, VisitorPresenceReporter) can hold that one place for a moment, and the call
 * is then refused (503, or a desk command's UNAVAILABLE) as a client's would be. Tried again after a short wait, as a client told
 * Retry-After would; anything else is the caller's to see. A refused POST is never applied later, so
 * trying again is what the contract asks of a client.
 */
export async function withinTheBound<T>(call: () => Promise<T>, tries = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let refused: boolean;
    let result: T | undefined;
    try {
      result = await call();
      // An HTTP answer 503, or a desk command's acknowledgement refused UNAVAILABLE.
      const r = result as { status?: unknown; ok?: unknown; error?: { code?: unknown } } | undefined;
      refused = r?.status === 503 || (r?.ok === false && r.error?.code === 'UNAVAILABLE');
    } catch (err) {
      // A helper that expects a status throws with what it got (support/http.ts bodyOf).
      if (!/got 503/.test((err as Error).message)) throw err;
      refused = true;
      if (attempt >= tries) throw err;
    }
    if (!refused || attempt >= tries) return result as T;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Bursts of ten concurrent POSTs until one is refused (with a bound of one request, the first burst
 * does it), at most 20: each message's last answer, by its clientMessageId.
 */
export async function postUntilRefused(visitor: Visitor): Promise<Map<string, Res>> {
  const answers = new Map<string, Res>();
  for (let burst = 0; burst < 20 && ![...answers.values()].some((r) => r.status === 503); burst++) {
    const ids = Array.from({ length: 10 }, (_, i) => `burst-${burst}-${i}`);
    const results = await Promise.all(ids.map((id) => visitor.post(`text ${id}`, id)));
    ids.forEach((id, i) => answers.set(id, results[i]));
  }
  return answers;
}

/** Each message of `postUntilRefused`, refused or not, is stored exactly once in the conversation. */
export async function expectEachStoredOnce(visitor: Visitor, answers: Map<string, Res>): Promise<void> {
  const [conversation] = await withinTheBound(() => visitor.conversations());
  const page = await withinTheBound(() => visitor.messages(conversation.id, { limit: 200 }));
  const texts = page.body.items.map((m) => m.text);
  for (const id of answers.keys()) expect(texts.filter((t) => t === `text ${id}`)).toHaveLength(1);
}

/**
 * The refused ones among `answers` (at least one), each 503 UNAVAILABLE with a whole Retry-After of
 * at least 1 s; every other answer is a 201.
 */
export function expectRefusals(answers: Map<string, Res>): [string, Res][] {
  const refused = [...answers].filter(([, r]) => r.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  for (const [, res] of refused) {
    expectError(res, 503, 'UNAVAILABLE');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
  }
  expect([...answers.values()].every((r) => r.status === 201 || r.status === 503)).toBe(true);
  return refused;
}
