import type { Message } from '@pupitre/shared/contracts';
import { previewOf, pushEventId, pushFor, type PushTarget, targetOf } from './push-notification';

const visitorId = '7d4c3b2a-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const message = (o: Partial<Message> = {}): Message => ({
  id: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  conversationId: '0b8e2f3a-6c1d-4e8f-9a7b-3c2d1e0f9a8b',
  author: { type: 'agent', id: '5f0c6a52-8f7e-4d33-9a55-2f1f1c1e9a10' },
  text: 'Bonjour 👋🏽',
  createdAt: '2026-11-30T08:00:00.000Z',
  ...o,
});
const away: PushTarget = { pushToken: 'device-token', platform: 'ios', connected: false };

describe(pushFor.name, () => {
  it('an agent message to a visitor with a token and no connected socket: one notification', () => {
    expect(pushFor(message(), visitorId, away)).toEqual({
      eventId: pushEventId(message().id),
      visitorId,
      conversationId: message().conversationId,
      messageId: message().id,
      preview: 'Bonjour 👋🏽',
      pushToken: 'device-token',
      platform: 'ios',
      createdAt: '2026-11-30T08:00:00.000Z',
    });
  });

  it('none while a socket is connected', () => {
    expect(pushFor(message(), visitorId, { ...away, connected: true })).toBeNull();
  });

  it('none without a push token', () => {
    expect(pushFor(message(), visitorId, { pushToken: null, platform: null, connected: false })).toBeNull();
  });

  it("none for the visitor's own messages", () => {
    expect(pushFor(message({ author: { type: 'visitor', id: visitorId } }), visitorId, away)).toBeNull();
  });
});

describe(pushEventId.name, () => {
  it('is derived from the message id: the same on every redelivery, different per message', () => {
    const id = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    expect(pushEventId(id)).toBe(pushEventId(id.toUpperCase()));
    expect(pushEventId(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pushEventId(id)).not.toBe(pushEventId('0b8e2f3a-6c1d-4e8f-9a7b-3c2d1e0f9a8b'));
  });
});

describe(previewOf.name, () => {
  it('keeps a short text as is', () => expect(previewOf('  hi  ')).toBe('  hi  '));

  it('cuts a long text at a code point, with an ellipsis', () => {
    const cut = previewOf('😀'.repeat(200), 140);
    expect(Array.from(cut)).toHaveLength(140);
    expect(cut.endsWith('😀…')).toBe(true);
  });
});

describe(targetOf.name, () => {
  const now = new Date('2026-11-30T08:00:00.000Z');
  const read = (presenceSeenAt: Date | null) => ({
    pushToken: 'device-token',
    platform: 'ios' as const,
    presenceSeenAt,
  });

  it('connected while a gateway instance holding a socket was heard from within the TTL', () => {
    expect(targetOf(read(new Date(now.getTime() - 20_000)), now, 20_000).connected).toBe(true);
    expect(targetOf(read(new Date(now.getTime() - 20_001)), now, 20_000).connected).toBe(false);
  });

  it('away when no instance holds a socket', () => {
    expect(targetOf(read(null), now)).toEqual(away);
  });
});
