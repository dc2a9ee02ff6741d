import { requestBatchLockPlan } from './request-batch-locks';

const c1 = '00000000-0000-4000-8000-000000000001';
const c2 = '00000000-0000-4000-8000-000000000002';
const release = (conversationId: unknown) => ({
  op: 'conversation.release',
  data: { agentId: c1, conversationId },
});
const connect = { op: 'desk.connect', data: { agentId: c1 } };
const rename = { op: 'agent.update', data: { agentId: c1, name: 'ann' } };

describe(requestBatchLockPlan.name, () => {
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
    const status = { op: 'agent.set-status', data: { agentId: c1, status: 'available' } };
    expect(requestBatchLockPlan([connect, status, status])).toEqual({ channels: false, conversations: [] });
  });

  it('a malformed conversation id locks no row (its handler refuses it), the same row once', () => {
    expect(requestBatchLockPlan([release('nope'), release(null), release(c1), release(c1)])).toEqual({
      channels: true,
      conversations: [c1],
    });
    expect(requestBatchLockPlan([{ op: 'conversation.release', data: null }, connect]).conversations).toEqual(
      [],
    );
  });
});
