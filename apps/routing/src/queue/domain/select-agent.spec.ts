import { isAvailableFor, selectAgent } from './select-agent';
import { agent } from '../testing/agent-candidate';

describe(isAvailableFor.name, () => {
  it('Available agent: status available with a free slot of that kind', () => {
    expect(isAvailableFor(agent('a'), 'mobile_app')).toBe(true);
  });

  it.each(['away', 'offline'] as const)('Available agent: an agent %s is not available', (status) => {
    expect(isAvailableFor(agent('a', { status }), 'web_chat')).toBe(false);
  });

  it('Available agent: available but no free slot of that kind is not available', () => {
    expect(isAvailableFor(agent('a', { mobile: [2, 2] }), 'mobile_app')).toBe(false);
  });
});

describe(selectAgent.name, () => {
  it('R4: an agent with all chat slots full still gets a mobile conversation', () => {
    const full = agent('a', { chat: [3, 3], mobile: [0, 2] });
    expect(selectAgent([full], 'mobile_app')?.agentId).toBe('a');
    expect(selectAgent([full], 'web_chat')).toBeNull();
  });

  it('R4: an agent with all mobile slots full still gets a chat conversation', () => {
    const full = agent('a', { chat: [0, 3], mobile: [2, 2] });
    expect(selectAgent([full], 'web_chat')?.agentId).toBe('a');
    expect(selectAgent([full], 'mobile_app')).toBeNull();
  });

  it('R4: an agent with chat capacity 0 never gets a chat conversation', () => {
    expect(selectAgent([agent('a', { chat: [0, 0] })], 'web_chat')).toBeNull();
  });

  it('R4: an agent with mobile capacity 0 never gets a mobile conversation', () => {
    expect(selectAgent([agent('a', { mobile: [0, 0] })], 'mobile_app')).toBeNull();
  });

  it('Available agent: only available agents receive assignments', () => {
    const candidates = [agent('a', { status: 'away' }), agent('b', { status: 'offline' })];
    expect(selectAgent(candidates, 'web_chat')).toBeNull();
  });

  it('Who gets it: the agent using the fewest slots of that kind', () => {
    const candidates = [agent('a', { mobile: [1, 2] }), agent('b', { mobile: [0, 2] })];
    expect(selectAgent(candidates, 'mobile_app')?.agentId).toBe('b');
  });

  it('Who gets it: slots of the other kind do not count towards load (R4)', () => {
    const candidates = [
      agent('a', { chat: [3, 3], mobile: [0, 2] }),
      agent('b', { chat: [0, 3], mobile: [1, 2] }),
    ];
    expect(selectAgent(candidates, 'mobile_app')?.agentId).toBe('a');
  });

  it('Who gets it: at equal load, the one who has waited longest since their last assignment', () => {
    const candidates = [
      agent('a', { lastAssignedAt: new Date('2025-01-01T10:05:00Z') }),
      agent('b', { lastAssignedAt: new Date('2025-01-01T10:00:00Z') }),
    ];
    expect(selectAgent(candidates, 'web_chat')?.agentId).toBe('b');
  });

  it('Who gets it: never assigned counts as waiting longest of all', () => {
    const candidates = [
      agent('a', { lastAssignedAt: new Date('2000-01-01T00:00:00Z') }),
      agent('b', { lastAssignedAt: null }),
    ];
    expect(selectAgent(candidates, 'web_chat')?.agentId).toBe('b');
  });

  it('Who gets it: fewest slots wins over waiting longest', () => {
    const candidates = [
      agent('a', { chat: [1, 3], lastAssignedAt: null }),
      agent('b', { chat: [0, 3], lastAssignedAt: new Date('2025-01-01T10:00:00Z') }),
    ];
    expect(selectAgent(candidates, 'web_chat')?.agentId).toBe('b');
  });

  it('Who gets it: a full tie is broken by agentId ascending', () => {
    expect(selectAgent([agent('c'), agent('a'), agent('b')], 'web_chat')?.agentId).toBe('a');
  });

  it('R9/R10: a conversation taken away goes to a different agent when one is available', () => {
    const candidates = [agent('a'), agent('b', { chat: [2, 3] })];
    expect(selectAgent(candidates, 'web_chat', new Set(['a']))?.agentId).toBe('b');
  });

  it('R9/R10: if no other agent is available, it waits', () => {
    expect(selectAgent([agent('a')], 'mobile_app', new Set(['a']))).toBeNull();
  });

  it('returns null when there are no candidates', () => {
    expect(selectAgent([], 'web_chat')).toBeNull();
  });
});
