import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TestRequester, waitFor } from '@pupitre/shared/testing';
import { AssignmentsRepository } from '../src/assignments/assignments.repository';
import type { DeadlinesChange } from '../src/assignments/assignments.repository';
import { ConversationHarness, startConversationHarness } from './support/conversation-harness';

/**
 * Issue 8: a routing event replayed late (a dead letter, replayed after newer events were applied)
 * never rewrites a newer holder in conversation's copy: routing's events about a conversation carry a
 * version, and an older one is dropped. Conversation alone; routing's events are played by the test.
 */
describe('conversation: routing events older than the last applied are dropped', () => {
  let sut: ConversationHarness;
  let rq: TestRequester;
  let db: Client;

  beforeAll(async () => {
    sut = await startConversationHarness('versions');
    ({ requester: rq, db } = sut);
  });

  afterAll(() => sut?.stop());

  const holderOf = async (conversationId: string) =>
    (
      await db.query<{ agent_id: string | null; status: string }>(
        'SELECT agent_id, status FROM conversation.conversations WHERE id = $1',
        [conversationId],
      )
    ).rows[0];

  it('keeps the newer holder when an older assignment or unassignment comes late', async () => {
    const { conversationId } = await sut.openConversation('web_chat');
    const [first, second] = [randomUUID(), randomUUID()];
    const assigned = (agentId: string, version: number) => ({
      conversationId,
      channel: 'web_chat' as const,
      agentId,
      assignedAt: new Date().toISOString(),
      deadlines: {},
      version,
    });

    await sut.fromRouting('conversation.assigned', assigned(second, 3));
    expect(await holderOf(conversationId)).toEqual({ agent_id: second, status: 'assigned' });
    const recordedFor = () =>
      rq
        .eventsOf('conversation.assignment-recorded')
        .filter((e) => e.key === conversationId)
        .map((e) => e.value.data!.agentId);
    await waitFor(() => recordedFor().length === 1, { what: 'the assignment recorded' });
    // The desk's copy of the deadlines is as of routing's version 3 (the gateway drops older ones).
    expect(
      rq.eventsOf('conversation.assignment-recorded').find((e) => e.key === conversationId)?.value.data,
    ).toMatchObject({ agentId: second, routingVersion: 3 });

    // Routing's earlier decisions, replayed after: the first assignment, then its taking away.
    await sut.fromRouting('conversation.assigned', assigned(first, 1));
    await sut.fromRouting('conversation.unassigned', {
      conversationId,
      channel: 'web_chat',
      agentId: second,
      reason: 'released',
      next: 'released',
      version: 2,
    });

    expect(await holderOf(conversationId)).toEqual({ agent_id: second, status: 'assigned' });
    expect(recordedFor()).toEqual([second]);
    expect(rq.eventsOf('conversation.unassignment-recorded').filter((e) => e.key === conversationId)).toEqual(
      [],
    );
  });

  it('projects deadlines in one statement, apart from the conversation row: a newer change applies, an older one is dropped, a closed conversation shows none', async () => {
    const { conversationId } = await sut.openConversation('web_chat');
    const deadlinesOf = async () =>
      (await rq.call('conversation', 'conversation.view', { conversationId })).deadlines;
    const rowVersions = async () =>
      (
        await db.query<{ xmin: string }>('SELECT xmin FROM conversation.conversations WHERE id = $1', [
          conversationId,
        ])
      ).rows[0].xmin;
    const changed = (version: number, reassignAt: string) => ({
      conversationId,
      agentId: randomUUID(),
      deadlines: { reassignAt },
      version,
    });
    const [later, earlier] = ['2030-01-02T00:00:00.000Z', '2030-01-01T00:00:00.000Z'];

    const before = await rowVersions();
    await sut.fromRouting('conversation.deadlines-changed', changed(5, later));
    expect(await deadlinesOf()).toEqual({ reassignAt: later });
    await sut.fromRouting('conversation.deadlines-changed', changed(4, earlier));
    expect(await deadlinesOf()).toEqual({ reassignAt: later });
    // Neither wrote the conversation's row: requests to it never wait for routing's deadlines.
    expect(await rowVersions()).toBe(before);

    await db.query('UPDATE conversation.conversations SET closed_at = now() WHERE id = $1', [conversationId]);
    await sut.fromRouting('conversation.deadlines-changed', changed(6, earlier));
    expect(await deadlinesOf()).toEqual({});
  });

  it('a batch of deadline changes in one statement: newer versions apply, older ones and unknown conversations change nothing', async () => {
    const [a, b] = await Promise.all([sut.openConversation('web_chat'), sut.openConversation('web_chat')]);
    const at = (day: number) => new Date(`2030-01-0${day}T00:00:00.000Z`);
    const change = (
      c: { conversationId: string },
      version: number,
      reassignAt: Date | null,
      closeAt: Date | null,
    ) => ({
      conversationId: c.conversationId,
      version,
      reassignAt,
      closeAt,
      responseWindowMs: null,
    });
    const dataSource = sut.app.get(DataSource);
    const repo = sut.app.get(AssignmentsRepository);
    const apply = (changes: DeadlinesChange[]) =>
      dataSource.transaction((tx) => repo.projectDeadlinesOf(tx, changes));
    const shown = async (conversationId: string) =>
      (await rq.call('conversation', 'conversation.view', { conversationId })).deadlines;

    await apply([
      change(a, 5, at(1), null),
      change(b, 3, null, at(2)),
      change({ conversationId: randomUUID() }, 1, at(3), null),
    ]);
    expect(await shown(a.conversationId)).toEqual({ reassignAt: at(1).toISOString() });
    expect(await shown(b.conversationId)).toEqual({ closeAt: at(2).toISOString() });

    await apply([change(a, 4, at(4), at(4)), change(b, 9, null, null)]);
    expect(await shown(a.conversationId)).toEqual({ reassignAt: at(1).toISOString() });
    expect(await shown(b.conversationId)).toEqual({});
  });

  it("while R10 runs, the view moves routing's deadline with its latest visitor message (routing publishes the window, not each move)", async () => {
    const { visitorId, conversationId } = await sut.openConversation('web_chat');
    const view = () => rq.call('conversation', 'conversation.view', { conversationId });
    const say = (text: string) =>
      rq.call('conversation', 'visitor.post-message', { visitorId, text, clientMessageId: randomUUID() });
    const hour = 3_600_000;
    const first = (await view()).messages[0];
    const fromFirst = new Date(Date.parse(first.createdAt) + hour).toISOString();
    await sut.fromRouting('conversation.deadlines-changed', {
      conversationId,
      agentId: randomUUID(),
      deadlines: { reassignAt: fromFirst },
      responseWindowMs: hour,
      version: 7,
    });
    expect((await view()).deadlines).toEqual({ reassignAt: fromFirst });
    const later = await say('still there?');
    expect((await view()).deadlines).toEqual({
      reassignAt: new Date(Date.parse(later.createdAt) + hour).toISOString(),
    });
    // Without a window (the agent wrote last: R11), visitor messages move nothing here.
    const closeAt = '2030-01-01T00:00:00.000Z';
    await sut.fromRouting('conversation.deadlines-changed', {
      conversationId,
      agentId: randomUUID(),
      deadlines: { closeAt },
      version: 8,
    });
    await say('hello?');
    expect((await view()).deadlines).toEqual({ closeAt });
  });

  it("an assignment while R10 runs carries its window to the desk's record; a release clears it", async () => {
    const { visitorId, conversationId } = await sut.openConversation('web_chat');
    const agentId = randomUUID();
    const hour = 3_600_000;
    const view = () => rq.call('conversation', 'conversation.view', { conversationId });
    const first = (await view()).messages[0];
    const due = new Date(Date.parse(first.createdAt) + hour).toISOString();
    await sut.fromRouting('conversation.assigned', {
      conversationId,
      channel: 'web_chat',
      agentId,
      assignedAt: first.createdAt,
      deadlines: { reassignAt: due },
      responseWindowMs: hour,
      version: 11,
    });
    const recorded = await waitFor(
      () => rq.eventsOf('conversation.assignment-recorded').find((e) => e.key === conversationId),
      { what: 'the assignment recorded' },
    );
    expect(recorded.value.data).toMatchObject({ responseWindowMs: hour, routingVersion: 11 });
    const later = await rq.call('conversation', 'visitor.post-message', {
      visitorId,
      text: 'and?',
      clientMessageId: randomUUID(),
    });
    expect((await view()).deadlines).toEqual({
      reassignAt: new Date(Date.parse(later.createdAt) + hour).toISOString(),
    });

    await sut.fromRouting('conversation.unassigned', {
      conversationId,
      channel: 'web_chat',
      agentId,
      reason: 'released',
      next: 'released',
      version: 12,
    });
    const window = await db.query(
      'SELECT response_window_ms FROM conversation.conversation_routing WHERE conversation_id = $1',
      [conversationId],
    );
    expect(window.rows).toEqual([{ response_window_ms: null }]);
  });
});
