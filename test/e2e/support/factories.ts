import { createHmac, randomUUID } from 'node:crypto';
import type { Channel, Platform } from '@pupitre/shared';

let seq = 0;
const next = () => `${++seq}-${randomUUID().slice(0, 4)}`;

export interface AgentInput {
  name?: string;
  chatCapacity?: number;
}

export interface VisitorInput {
  channel: Channel;
  name?: string | null;
  platform?: Platform | null;
}

/** Inputs for the public API, valid by default; override what the test is about. */
export const factory = {
  agent: (o: AgentInput = {}): AgentInput => ({ name: `Agent ${next()}`, ...o }),
  visitor: (channel: Channel, o: Partial<VisitorInput> = {}): VisitorInput => ({
    channel,
    name: `Visitor ${next()}`,
    platform: channel === 'mobile_app' ? 'ios' : 'web',
    ...o,
  }),
  canned: (o: { title?: string; text?: string } = {}) => ({
    title: `Greeting ${next()}`,
    text: 'Bonjour 👋🏽, comment puis-je vous aider ?',
    ...o,
  }),
  clientMessageId: () => randomUUID(),
};

/** n code points, each outside the BMP (two UTF-16 units): limits are counted in characters. */
export const astral = (n: number) => '😀'.repeat(n);

/**
 * CONTRACT.md Conventions: any Unicode, kept byte for byte, whitespace kept. Each one breaks a
 * naive implementation somewhere (trimming, normalising, escaping, counting UTF-16 units).
 */
export const TRICKY_TEXTS: Record<string, string> = {
  'emoji with skin tones': 'Merci 👋🏽👍🏿🧑🏻‍💻 !',
  'ZWJ family': 'Famille : 👩‍👩‍👧‍👦 et 🏳️‍🌈',
  'right-to-left Arabic and Hebrew': 'مرحبا بالعالم — שלום עולם (mixed ltr 123)',
  markup: '<script>alert(1)</script> & "quotes" \'single\' <b>bold</b> &amp; \\ backslash',
  'leading and trailing whitespace': '  \t padded text with\nnewlines\r\n and nbsp\u00a0 ',
  'decomposed accents, not normalised': 'Cafe\u0301 vs Caf\u00e9, \u212b vs \u00c5',
  'invisible characters': '\u200bzero\u200dwidth\u2060joiner\ufeff',
  '4000 ASCII characters': 'x'.repeat(3999) + '!',
  '4000 astral characters': astral(4000),
};

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT the gateway did not issue: signed with another secret, or unsigned (`alg: none`). */
export function forgedJwt(claims: Record<string, unknown>, secret: string | null): string {
  const header = b64url(JSON.stringify({ alg: secret === null ? 'none' : 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: Math.floor(Date.now() / 1000), ...claims }));
  if (secret === null) return `${header}.${payload}.`;
  return `${header}.${payload}.${b64url(createHmac('sha256', secret).update(`${header}.${payload}`).digest())}`;
}
