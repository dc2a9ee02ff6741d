import { requestBatchLockPlan, RoutingLocks } from './request-batch-locks';

const c1 = '00000000-0000-4000-8000-000000000001';
const c2 = '00000000-0000-4000-8000-000000000002';
const release = (conversationId: unknown) => ({
  requestId: 'r',
  op: 'conversation.release',
  data: { agentId: c1, conversationId },
  locks: RoutingLocks.conversation,
});
const connect = { requestId: 'c', op: 'desk.connect', data: { agentId: c1 }, locks: RoutingLocks.channels };
const rename = { requestId: 'n', op: 'agent.update', data: { agentId: c1, name: 'ann' } };

describe(requestBatchLockPlan.name, () => {
  it('reads what each handler declares it locks, not the operation names', () => {
    const undeclared = { ...release(c1), locks: undefined };
    expect(requestBatchLockPlan([undeclared, connect]).channels).toBe(false);
    expect(
      requestBatchLockPlan([
        { ...rename, locks: RoutingLocks.conversation, data: { conversationId: c2 } },
        connect,
      ]),
    ).toEqual({
      channels: true,
      conversations: [c2],
    });
  });

  it('a batch with one locking request takes its locks as that request does alone', () => {
    expect(requestBatchLockPlan([release(c1)])).toEqual({ channels: false, conversations: [] });
    expect(requestBatchLockPlan([rename, connect, rename])).toEqual({ channels: false, conversations: [] });
  });

  it('two releases (perhaps on different channels): every channel first, then the rows in id order', () => {
    expect(requestBatchLockPlan([release(c2), release(c1)])).toEqual({
      channels: true,
      conversations: [c1, c2],
    });
  });

  it('a presence change with a release: every channel, then the released row', () => {
    expect(requestBatchLockPlan([connect, rename, release(c1)])).toEqual({
      channels: true,
      conversations: [c1],
    });
  });

  it('presence changes alone take the channels in order by themselves: nothing first (a status flood takes no lock)', () => {
    const status = {
      requestId: 's',
      op: 'agent.set-status',
      data: { agentId: c1, status: 'available' },
      locks: RoutingLocks.channels,
    };
    expect(requestBatchLockPlan([connect, status, status])).toEqual({ channels: false, conversations: [] });
  });

  it('a malformed conversation id locks no row (its handler refuses it), the same row once', () => {
    expect(requestBatchLockPlan([release('nope'), release(null), release(c1), release(c1)])).toEqual({
      channels: true,
      conversations: [c1],
    });
    expect(requestBatchLockPlan([{ ...release(c1), data: null }, connect]).conversations).toEqual([]);
  });
});
