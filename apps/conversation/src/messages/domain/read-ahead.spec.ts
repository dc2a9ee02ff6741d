import { postsToReadAhead } from './read-ahead';

const A = '0a000000-0000-4000-8000-000000000001';
const B = '0b000000-0000-4000-8000-000000000002';
const post = (visitorId: string, clientMessageId: string) => ({
  requestId: `${visitorId}/${clientMessageId}`,
  op: 'visitor.post-message',
  data: { visitorId, text: 'hi', clientMessageId },
});

const keys = (posts: { requestId: string }[]) => posts.map((p) => p.requestId);

describe(postsToReadAhead.name, () => {
  it('reads ahead for every visitor of a batch of messages from different visitors', () => {
    expect(postsToReadAhead([post(A, 'a1'), post(B, 'b1')])).toEqual([
      { requestId: `${A}/a1`, visitorId: A, clientMessageId: 'a1' },
      { requestId: `${B}/b1`, visitorId: B, clientMessageId: 'b1' },
    ]);
  });

  it("not for a visitor's second message: the first may open their conversation or be the same one", () => {
    expect(keys(postsToReadAhead([post(A, 'a1'), post(B, 'b1'), post(A, 'a2'), post(A, 'a1')]))).toEqual([
      `${A}/a1`,
      `${B}/b1`,
    ]);
  });

  it('knows a visitor by their id whatever its case', () => {
    expect(postsToReadAhead([post(A, 'a1'), post(A.toUpperCase(), 'a2')])).toHaveLength(1);
  });

  it('not after a write that may close a conversation or block a visitor', () => {
    const close = { requestId: 'c', op: 'agent.close', data: { agentId: B, conversationId: A } };
    const block = { requestId: 'b', op: 'agent.block-visitor', data: { agentId: B, conversationId: A } };
    expect(keys(postsToReadAhead([post(A, 'a1'), close, post(B, 'b1')]))).toEqual([`${A}/a1`]);
    expect(postsToReadAhead([block, post(A, 'a1')])).toEqual([]);
  });

  it('not after a write it does not know', () => {
    expect(
      postsToReadAhead([{ requestId: 'n', op: 'visitor.something-new', data: {} }, post(A, 'a1')]),
    ).toEqual([]);
  });

  it("goes on past writes that change nothing a visitor's message reads", () => {
    const heartbeat = { requestId: 'h', op: 'gateway.heartbeat', data: {} };
    const answer = { requestId: 'a', op: 'agent.post-message', data: { agentId: B, conversationId: A } };
    expect(postsToReadAhead([heartbeat, answer, post(A, 'a1')])).toHaveLength(1);
  });

  it('skips a message its handler will refuse unread (no visitor id, no clientMessageId)', () => {
    const bad = [
      { requestId: '1', op: 'visitor.post-message', data: { visitorId: 'nobody', clientMessageId: 'x' } },
      { requestId: '2', op: 'visitor.post-message', data: { visitorId: A } },
      { requestId: '3', op: 'visitor.post-message', data: null },
    ];
    expect(keys(postsToReadAhead([...bad, post(B, 'b1')]))).toEqual([`${B}/b1`]);
  });
});
