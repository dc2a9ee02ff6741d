import { matchQueue, type QueuedConversation } from './match-queue';
import type { AgentCandidate } from './select-agent';
import { agent } from '../testing/agent-candidate';

const t0 = new Date('2025-01-01T10:00:00Z').getTime();
function queued(
  conversationId: string,
  channel: QueuedConversation['channel'],
  secondsAfter: number,
  excludeAgentId?: string,
  excludeUntil: Date = new Date(t0 + 300_000),
): QueuedConversation {
  const queuedAt = new Date(t0 + secondsAfter * 1000);
  return {
    conversationId,
    channel,
    queuedAt,
    excludeAgentId,
    excludeUntil: excludeAgentId ? excludeUntil : null,
  };
}

/** Matching happens a minute after t0 unless a test says otherwise. */
const NOW = new Date(t0 + 60_000);
const match = (queue: QueuedConversation[], agents: AgentCandidate[], now = NOW) =>
  matchQueue(queue, agents, now);

describe(matchQueue.name, () => {
  it('Queue: first-in first-out by the time they joined the queue', () => {
    const queue = [queued('late', 'mobile_app', 20), queued('early', 'mobile_app', 10)];
    const sut = match(queue, [agent('a', { mobile: [1, 2] })]);
    expect(sut).toEqual([
      expect.objectContaining({ conversationId: 'early', agentId: 'a', channel: 'mobile_app' }),
    ]);
  });

  it('Queue: equal queue times are ordered by conversationId', () => {
    const queue = [queued('c-2', 'web_chat', 0), queued('c-1', 'web_chat', 0)];
    const sut = match(queue, [agent('a', { chat: [2, 3] })]);
    expect(sut.map((x) => x.conversationId)).toEqual(['c-1']);
  });

  it('R4: capacity is never exceeded within one pass', () => {
    const queue = [1, 2, 3, 4].map((i) => queued(`m-${i}`, 'mobile_app', i));
    const sut = match(queue, [agent('a', { mobile: [0, 2] })]);
    expect(sut.map((x) => x.conversationId)).toEqual(['m-1', 'm-2']);
  });

  it('R4: chat and mobile are independent — a full chat desk still takes mobile conversations', () => {
    const queue = [queued('chat-1', 'web_chat', 1), queued('mob-1', 'mobile_app', 2)];
    const sut = match(queue, [agent('a', { chat: [3, 3], mobile: [0, 2] })]);
    expect(sut).toEqual([
      expect.objectContaining({ conversationId: 'mob-1', agentId: 'a', channel: 'mobile_app' }),
    ]);
  });

  it('R4: an unmatched conversation of one channel does not block the other channel', () => {
    const queue = [queued('mob-1', 'mobile_app', 1), queued('chat-1', 'web_chat', 2)];
    const sut = match(queue, [agent('a', { mobile: [2, 2] })]);
    expect(sut).toEqual([
      expect.objectContaining({ conversationId: 'chat-1', agentId: 'a', channel: 'web_chat' }),
    ]);
  });

  it('Who gets it: load spreads — each pick counts before the next one', () => {
    const queue = [1, 2, 3, 4].map((i) => queued(`c-${i}`, 'web_chat', i));
    const sut = match(queue, [agent('a'), agent('b')]);
    expect(sut.map((x) => [x.conversationId, x.agentId])).toEqual([
      ['c-1', 'a'],
      ['c-2', 'b'],
      ['c-3', 'a'],
      ['c-4', 'b'],
    ]);
  });

  it('Who gets it: at equal load the agent just assigned goes after those who waited longer', () => {
    const queue = [queued('m-1', 'mobile_app', 1), queued('m-2', 'mobile_app', 2)];
    const agents = [
      agent('a', { mobile: [0, 2], lastAssignedAt: null }),
      agent('b', { mobile: [1, 2], lastAssignedAt: new Date(t0) }),
      agent('c', { mobile: [1, 2], lastAssignedAt: new Date(t0 - 60_000) }),
    ];
    // m-1 → a (fewest). Then a, b, c all use 1; a was just assigned, c waited longest.
    expect(match(queue, agents).map((x) => x.agentId)).toEqual(['a', 'c']);
  });

  it('R9/R10: a conversation taken away goes to a different agent when one is available', () => {
    const queue = [queued('c-1', 'web_chat', 1, 'a')];
    const sut = match(queue, [agent('a'), agent('b', { chat: [2, 3] })]);
    expect(sut).toEqual([
      expect.objectContaining({ conversationId: 'c-1', agentId: 'b', channel: 'web_chat' }),
    ]);
  });

  it('R9/R10: if the only available agent is the one it was taken from, it stays queued', () => {
    expect(match([queued('c-1', 'mobile_app', 1, 'a')], [agent('a')])).toEqual([]);
  });

  it('Who gets it: once the wait is over, it may return to the agent it was taken from', () => {
    const until = new Date(t0 + 300_000);
    const queue = [queued('c-1', 'mobile_app', 1, 'a', until)];
    expect(match(queue, [agent('a')], until)).toEqual([]); // the last instant of the wait
    expect(match(queue, [agent('a')], new Date(until.getTime() + 1))).toEqual([
      expect.objectContaining({ conversationId: 'c-1', agentId: 'a' }),
    ]);
  });

  it('Queue: a later conversation of the same channel is still assigned when the head cannot be', () => {
    const queue = [queued('head', 'mobile_app', 1, 'a'), queued('next', 'mobile_app', 2)];
    const sut = match(queue, [agent('a', { mobile: [1, 2] })]);
    expect(sut).toEqual([
      expect.objectContaining({ conversationId: 'next', agentId: 'a', channel: 'mobile_app' }),
    ]);
  });

  it('Available agent: agents away or offline receive nothing', () => {
    const queue = [queued('c-1', 'web_chat', 1)];
    expect(match(queue, [agent('a', { status: 'away' }), agent('b', { status: 'offline' })])).toEqual([]);
  });

  it('never mutates its inputs', () => {
    const agents = [agent('a'), agent('b', { lastAssignedAt: new Date(t0) })];
    const queue = [queued('c-2', 'web_chat', 2), queued('c-1', 'web_chat', 1)];
    const agentsBefore = structuredClone(agents);
    const queueBefore = structuredClone(queue);
    match(queue, agents);
    expect(agents).toEqual(agentsBefore);
    expect(queue).toEqual(queueBefore);
  });

  it('returns nothing for an empty queue or no agents', () => {
    expect(match([], [agent('a')])).toEqual([]);
    expect(match([queued('c-1', 'web_chat', 1)], [])).toEqual([]);
  });

  describe('explains each choice ("Who gets it")', () => {
    it('names the load that decided it', () => {
      const [sut] = match([queued('c-1', 'mobile_app', 1)], [agent('a'), agent('b', { mobile: [1, 2] })]);
      expect(sut.reason).toBe('fewest mobile slots in use (0 of 2) among 2 available agents');
    });

    it('says when the longest wait broke a tie', () => {
      const [sut] = match([queued('c-1', 'mobile_app', 1)], [agent('a'), agent('b')]);
      expect(sut.reason).toContain('longest wait since last assignment among the 2 equally loaded');
    });

    it('says when the agent it was taken from was skipped (R9/R10)', () => {
      const [sut] = match([queued('c-1', 'web_chat', 1, 'a')], [agent('a'), agent('b')]);
      expect(sut.reason).toBe(
        'the only available agent with a free chat slot (0 of 3 in use); skipped the agent it was just taken from',
      );
    });
  });
});
