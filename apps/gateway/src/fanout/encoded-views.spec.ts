import type { ConversationView, Message } from '@pupitre/shared';
import { encodedConversation, encodedMessage, messageJson, viewJson } from './encoded-views';

const message = (n: number): Message => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  conversationId: '00000000-0000-4000-8000-000000000000',
  author: { type: 'visitor', id: '00000000-0000-4000-9000-000000000000' },
  text: `message "${n}" \u00e9\n`,
  createdAt: new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString(),
});

const view = (messages: Message[]): ConversationView =>
  ({
    id: '00000000-0000-4000-8000-000000000000',
    channel: 'web_chat',
    status: 'assigned',
    visitor: { id: '00000000-0000-4000-9000-000000000000', name: 'Zoé', platform: 'web', blocked: false },
    tags: ['a'],
    messages,
    assignedAt: '2026-12-01T00:00:00.000Z',
    deadlines: { reassignAt: '2026-12-01T12:00:00.000Z' },
    capabilities: { cannedResponses: true },
  }) as unknown as ConversationView;

describe('encoded views', () => {
  it('a view written from its messages reads back as the view', () => {
    for (const v of [view([]), view([message(1)]), view([1, 2, 3].map(message))]) {
      expect(JSON.parse(viewJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
    }
  });

  it('a message is written once, however many views carry it', () => {
    const m = message(7);
    const first = messageJson(m);
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      expect(messageJson(m)).toBe(first);
      viewJson(view([m]));
      expect(stringify.mock.calls.filter(([arg]) => arg === m)).toHaveLength(0);
    } finally {
      stringify.mockRestore();
    }
  });

  it("the payloads' JSON is their value's", () => {
    const v = view([message(1), message(2)]);
    const conversation = encodedConversation(v);
    expect(JSON.parse(conversation.json)).toEqual(JSON.parse(JSON.stringify(conversation.value)));
    for (const payload of [encodedMessage(message(3), v.id), encodedMessage(message(4))]) {
      expect(payload.json).toBe(JSON.stringify(payload.value));
    }
  });
});
