import {
  agentPostsToReadAhead,
  answerReadAheadHolds,
  commandsToReadAhead,
  postsToReadAhead,
  readAheadHolds,
} from './read-ahead';

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
      { requestId: `${A}/a1`, visitorId: A, clientMessageId: 'a1', repeat: false },
      { requestId: `${B}/b1`, visitorId: B, clientMessageId: 'b1', repeat: false },
    ]);
  });

  it("reads a visitor's later messages too, marked as repeats, but not one that is an earlier one again", () => {
    const read = postsToReadAhead([
      post(A, 'a1'),
      post(B, 'b1'),
      post(A, 'a2'),
      post(A, 'a1'),
      post(A, 'a3'),
    ]);
    expect(read.map((p) => [p.requestId, p.repeat])).toEqual([
      [`${A}/a1`, false],
      [`${B}/b1`, false],
      [`${A}/a2`, true],
      [`${A}/a3`, true],
    ]);
  });

  it('knows a visitor by their id whatever its case', () => {
    expect(postsToReadAhead([post(A, 'a1'), post(A.toUpperCase(), 'a2')])[1].repeat).toBe(true);
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

describe(readAheadHolds.name, () => {
  const read = (r: { blocked?: boolean; earlier?: boolean; open?: boolean }) => ({
    visitor: { blocked_at: r.blocked ? new Date() : null },
    earlier: r.earlier ? {} : null,
    open: r.open ? {} : null,
  });

  it("holds for a visitor's first message, whatever it says", () => {
    expect(readAheadHolds(read({}), false)).toBe(true);
    expect(readAheadHolds(null, false)).toBe(true);
  });

  it('holds for a later message to an open conversation: the earlier ones leave it open', () => {
    expect(readAheadHolds(read({ open: true }), true)).toBe(true);
  });

  it('not for a later message that found no open conversation: an earlier one may have opened it (R13)', () => {
    expect(readAheadHolds(read({}), true)).toBe(false);
  });

  it('holds for a replay, an unknown visitor and a blocked one: nothing in the batch changes those', () => {
    expect(readAheadHolds(read({ earlier: true }), true)).toBe(true);
    expect(readAheadHolds(null, true)).toBe(true);
    expect(readAheadHolds(read({ blocked: true }), true)).toBe(true);
  });
});

describe(agentPostsToReadAhead.name, () => {
  const C = '0c000000-0000-4000-8000-000000000003';
  const D = '0d000000-0000-4000-8000-000000000004';
  const answer = (agentId: string, clientMessageId: string, conversationId = C) => ({
    requestId: `${agentId}/${clientMessageId}`,
    op: 'agent.post-message',
    data: { agentId, conversationId, text: 'hello', clientMessageId },
  });

  it("reads ahead for a batch's agents' messages, among visitors' messages", () => {
    expect(
      agentPostsToReadAhead([post(A, 'a1'), answer(B, 'b1'), post(A, 'a2'), answer(B, 'b2', D)]),
    ).toEqual([
      { requestId: `${B}/b1`, agentId: B, clientMessageId: 'b1', conversationId: C },
      { requestId: `${B}/b2`, agentId: B, clientMessageId: 'b2', conversationId: D },
    ]);
  });

  it('reads once for an agent message sent twice: the second is the first again', () => {
    expect(keys(agentPostsToReadAhead([answer(B, 'b1'), answer(B.toUpperCase(), 'b1')]))).toEqual([
      `${B}/b1`,
    ]);
  });

  const canned = (agentId: string, clientMessageId: string, cannedResponseId: unknown = D) => ({
    requestId: `canned ${agentId}/${clientMessageId}`,
    op: 'agent.send-canned',
    data: { agentId, conversationId: C, cannedResponseId, clientMessageId },
  });

  it('not for an agent message whose key a canned send before it carries, nor for the canned send again', () => {
    expect(
      keys(agentPostsToReadAhead([canned(B, 'b1'), answer(B, 'b1'), canned(B, 'b1'), answer(B, 'b2')])),
    ).toEqual([`canned ${B}/b1`, `${B}/b2`]);
  });

  it('reads ahead for canned sends, with the canned response each sends', () => {
    expect(agentPostsToReadAhead([answer(B, 'b1'), canned(B.toUpperCase(), 'b2', D.toUpperCase())])).toEqual([
      { requestId: `${B}/b1`, agentId: B, clientMessageId: 'b1', conversationId: C },
      {
        requestId: `canned ${B.toUpperCase()}/b2`,
        agentId: B,
        clientMessageId: 'b2',
        conversationId: C,
        cannedResponseId: D,
      },
    ]);
  });

  it('not for a canned send after a canned response was created or deleted in the batch; answers still', () => {
    for (const op of ['canned.create', 'canned.delete']) {
      const write = { requestId: 'w', op, data: { id: D } };
      expect(keys(agentPostsToReadAhead([canned(B, 'b1'), write, canned(B, 'b2'), answer(B, 'b3')]))).toEqual(
        [`canned ${B}/b1`, `${B}/b3`],
      );
    }
  });

  it('skips a canned send its handler will refuse unread (no canned response id)', () => {
    expect(
      keys(agentPostsToReadAhead([canned(B, 'b1', 'x'), canned(B, 'b2', null), answer(B, 'b1')])),
    ).toEqual([`${B}/b1`]);
  });

  it("not after a write that may change the conversation's holder or every visitor's push target", () => {
    for (const op of [
      'agent.close',
      'agent.block-visitor',
      'gateway.heartbeat',
      'gateway.presence-reset',
      'visitor.something-new',
    ]) {
      const write = { requestId: 'w', op, data: { agentId: D, conversationId: D } };
      expect(keys(agentPostsToReadAhead([answer(B, 'b1'), write, answer(B, 'b2')]))).toEqual([`${B}/b1`]);
    }
  });

  it("past a write that changes one visitor's push target, noting whose, and whether it was a presence report", () => {
    for (const op of ['visitor.presence', 'visitor.set-push-token', 'visitor.clear-push-token']) {
      const write = { requestId: 'w', op, data: { visitorId: A.toUpperCase() } };
      const posts = agentPostsToReadAhead([answer(B, 'b1'), write, answer(B, 'b2')]);
      expect(
        posts.map((p) => [p.requestId, p.pushChangedFor && [...p.pushChangedFor], p.afterPresence]),
      ).toEqual([
        [`${B}/b1`, undefined, undefined],
        [`${B}/b2`, [A], op === 'visitor.presence' ? true : undefined],
      ]);
    }
  });
  it('skips a message its handler will refuse unread (no agent, conversation or clientMessageId)', () => {
    const bad = [
      {
        requestId: '1',
        op: 'agent.post-message',
        data: { agentId: 'x', conversationId: C, clientMessageId: 'x' },
      },
      { requestId: '2', op: 'agent.post-message', data: { agentId: B, clientMessageId: 'x' } },
      { requestId: '3', op: 'agent.post-message', data: { agentId: B, conversationId: C } },
    ];
    expect(keys(agentPostsToReadAhead([...bad, answer(B, 'b1')]))).toEqual([`${B}/b1`]);
  });
});

describe(answerReadAheadHolds.name, () => {
  const read = (visitorId: string | null) => ({ conversation: visitorId ? { visitor_id: visitorId } : null });

  it('holds unless an earlier write changed the push target of the visitor it answers', () => {
    expect(answerReadAheadHolds(read(A), {}, true)).toBe(true);
    expect(answerReadAheadHolds(read(A), { pushChangedFor: new Set([B]) }, true)).toBe(true);
    expect(answerReadAheadHolds(read(A), { pushChangedFor: new Set([A]) }, false)).toBe(false);
  });

  it("after another visitor's presence report (its instance's heartbeat too): holds unless it says to push", () => {
    const afterB = { pushChangedFor: new Set([B]), afterPresence: true as const };
    expect(answerReadAheadHolds(read(A), afterB, false)).toBe(true);
    expect(answerReadAheadHolds(read(A), afterB, true)).toBe(false);
  });

  it('holds for a conversation that does not exist (refused, nothing pushed)', () => {
    expect(
      answerReadAheadHolds(read(null), { pushChangedFor: new Set([A]), afterPresence: true }, true),
    ).toBe(true);
  });
});

describe(commandsToReadAhead.name, () => {
  const AGENT = '0c000000-0000-4000-8000-000000000003';
  const C1 = '0d000000-0000-4000-8000-000000000004';
  const C2 = '0e000000-0000-4000-8000-000000000005';
  let n = 0;
  const command = (op: string, conversationId: string, extra: Record<string, unknown> = {}) => ({
    requestId: `${op}/${conversationId}/${++n}`,
    op,
    data: { agentId: AGENT, conversationId, ...extra },
  });
  const close = (conversationId: string) => command('agent.close', conversationId);
  const tag = (conversationId: string) => command('agent.tag', conversationId, { tag: 'vip', action: 'add' });
  const answer = (conversationId: string) =>
    command('agent.post-message', conversationId, { text: 'hi', clientMessageId: `m${++n}` });
  const read = (writes: { requestId: string; op: string; data: unknown }[]) =>
    commandsToReadAhead(writes).map((c) => c.requestId);

  it("reads every close's and tag's conversation, each for its request", () => {
    const writes = [close(C1), tag(C2)];
    expect(commandsToReadAhead(writes)).toEqual([
      { requestId: writes[0].requestId, conversationId: C1 },
      { requestId: writes[1].requestId, conversationId: C2 },
    ]);
  });

  it('leaves to read for itself a command whose conversation an earlier write names: an answer (the last agent message), a tag, a close', () => {
    const writes = [answer(C1), close(C1), tag(C2), tag(C2), close(C2)];
    expect(read(writes)).toEqual([writes[2].requestId]);
  });

  it('reads past what changes no conversation row, or only another one: visitors’ messages, presence, canned responses, another conversation’s block', () => {
    const writes = [
      post(A, 'a1'),
      { requestId: 'presence', op: 'visitor.presence', data: { visitorId: A } },
      { requestId: 'canned', op: 'canned.delete', data: { id: B } },
      command('agent.block-visitor', C2),
      close(C1),
    ];
    expect(read(writes)).toEqual([writes[4].requestId]);
  });

  it('stops at a write it does not know: what comes after reads for itself', () => {
    expect(read([{ requestId: 'x', op: 'conversation.something-new', data: {} }, close(C1)])).toEqual([]);
  });

  it('knows a conversation by its id whatever its case; leaves out what lacks its ids (refused unwritten)', () => {
    const writes = [close(C1), tag(C1.toUpperCase()), command('agent.close', C2, { agentId: 'nope' })];
    expect(read(writes)).toEqual([writes[0].requestId]);
  });
});
