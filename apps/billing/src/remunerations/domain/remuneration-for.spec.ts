import { remunerationFor, type ClosedConversation, type RemunerationRates } from './remuneration-for';

const rates: RemunerationRates = { mobile_app: 150, web_chat: 100, currency: 'EUR' };

function closed(overrides: Partial<ClosedConversation> = {}): ClosedConversation {
  return {
    conversationId: 'c-1',
    channel: 'mobile_app',
    closedAt: new Date('2025-01-10T10:00:00Z'),
    closeReason: 'agent',
    lastAgentMessage: { messageId: 'm-9', agentId: 'agent-b' },
    ...overrides,
  };
}

describe(remunerationFor.name, () => {
  it('R14: goes to the agent who sent the last agent message before the close', () => {
    expect(remunerationFor(closed(), rates)).toEqual({
      conversationId: 'c-1',
      agentId: 'agent-b',
      channel: 'mobile_app',
      closedAt: new Date('2025-01-10T10:00:00Z'),
      closeReason: 'agent',
      lastAgentMessageId: 'm-9',
      amountMinor: 150,
      currency: 'EUR',
    });
  });

  it('R14: whoever held or closed it — the last agent message author is paid, not the closer', () => {
    // agent-a closed it (reason agent) but agent-b wrote the last agent message.
    const sut = remunerationFor(
      closed({ closeReason: 'agent', lastAgentMessage: { messageId: 'm-3', agentId: 'agent-b' } }),
      rates,
    );
    expect(sut?.agentId).toBe('agent-b');
    expect(sut?.lastAgentMessageId).toBe('m-3');
  });

  it('R14: no agent message, no remuneration', () => {
    expect(remunerationFor(closed({ lastAgentMessage: null }), rates)).toBeNull();
  });

  it.each(['agent', 'inactivity', 'visitor_blocked'] as const)(
    'R14: a close for any reason pays (%s)',
    (closeReason) => {
      const sut = remunerationFor(closed({ closeReason }), rates);
      expect(sut).not.toBeNull();
      expect(sut?.closeReason).toBe(closeReason);
    },
  );

  it('R14: the amount is the rate of the conversation channel', () => {
    expect(remunerationFor(closed({ channel: 'mobile_app' }), rates)?.amountMinor).toBe(150);
    expect(remunerationFor(closed({ channel: 'web_chat' }), rates)?.amountMinor).toBe(100);
  });
  // "Exactly one attribution per conversation" is the primary key's work, not this function's:
  // apps/billing/test/remunerations.int-spec.ts checks it against a real database and broker.
});
