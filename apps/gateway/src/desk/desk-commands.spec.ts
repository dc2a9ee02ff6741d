import { DomainError } from '@pupitre/shared';
import type { DeskViews } from '../fanout';
import type { RequestClient } from '../kafka';
import { DeskCommands } from './desk-commands';

const conversationId = '0b6f4a3e-8d0f-4c55-9d7a-1f4b7a2e9c10';
const agentId = '5d2c9a1e-3b4f-4e6a-8c7d-9e0f1a2b3c4d';

/** Records the requests the commands make and answers each with an empty reply. */
class FakeClient {
  sent: { service: string; op: string; data: unknown; key?: string }[] = [];
  async request(service: string, op: string, data: unknown, options?: { key?: string }) {
    this.sent.push({ service, op, data, key: options?.key });
    return op === 'canned.list' ? [] : {};
  }
}

async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'ACCEPTED';
}

const visitorId = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

describe(DeskCommands.name, () => {
  let client: FakeClient;
  let sut: DeskCommands;
  /** The conversations whose visitor this gateway has seen. */
  let seen: Map<string, string>;

  beforeEach(() => {
    client = new FakeClient();
    seen = new Map();
    const views = { visitorOf: (id: string) => seen.get(id) };

    sut = new DeskCommands(client as unknown as RequestClient, views as unknown as DeskViews);
  });

  it('answers every command of the contract', () => {
    expect([...sut.names].sort()).toEqual(
      [
        'agent.status',
        'message.send',
        'canned.list',
        'canned.send',
        'conversation.release',
        'conversation.close',
        'conversation.tag.add',
        'conversation.tag.remove',
        'visitor.block',
        'conversation.transfer',
        'agents.transferTargets',
        'conversation.history',
      ].sort(),
    );
  });

  it('parses each payload and asks one service for the agent', async () => {
    await sut.run('agent.status', { status: 'away' }, () => agentId);
    await sut.run('message.send', { conversationId, text: ' hi ', clientMessageId: 'm1' }, () => agentId);
    await sut.run('conversation.tag.add', { conversationId, tag: 'vip', other: 1 }, () => agentId);
    await sut.run('conversation.tag.remove', { conversationId, tag: 'vip' }, () => agentId);
    expect(client.sent).toEqual([
      { service: 'routing', op: 'agent.set-status', data: { agentId, status: 'away' }, key: agentId },
      {
        service: 'conversation',
        op: 'agent.post-message',
        data: { agentId, conversationId, text: ' hi ', clientMessageId: 'm1' },
        key: conversationId,
      },
      {
        service: 'conversation',
        op: 'agent.tag',
        data: { agentId, conversationId, tag: 'vip', action: 'add' },
        key: conversationId,
      },
      {
        service: 'conversation',
        op: 'agent.tag',
        data: { agentId, conversationId, tag: 'vip', action: 'remove' },
        key: conversationId,
      },
    ]);
  });

  it("writes to a conversation whose visitor the gateway has seen are keyed by that visitor, with the visitor's messages", async () => {
    seen.set(conversationId, visitorId);
    const cannedResponseId = '7a1e2b3c-4d5e-4f60-8a7b-8c9d0e1f2a3b';
    await sut.run('message.send', { conversationId, text: 'hi', clientMessageId: 'm1' }, () => agentId);
    await sut.run('canned.send', { conversationId, cannedResponseId, clientMessageId: 'm2' }, () => agentId);
    await sut.run('conversation.tag.add', { conversationId, tag: 'vip' }, () => agentId);
    await sut.run('conversation.close', { conversationId }, () => agentId);
    await sut.run('visitor.block', { conversationId }, () => agentId);
    await sut.run('conversation.history', { conversationId }, () => agentId);
    await sut.run('conversation.release', { conversationId }, () => agentId);
    expect(client.sent.map((r) => [r.op, r.key])).toEqual([
      ['agent.post-message', visitorId],
      ['agent.send-canned', visitorId],
      ['agent.tag', visitorId],
      ['agent.close', visitorId],
      ['agent.block-visitor', visitorId],
      // A read takes no lock; routing's requests go to routing's own topic.
      ['agent.list-messages', conversationId],
      ['conversation.release', conversationId],
    ]);
  });

  it('a conversation this gateway has not seen: keyed by the conversation', async () => {
    await sut.run('message.send', { conversationId, text: 'hi', clientMessageId: 'm1' }, () => agentId);
    expect(client.sent.map((r) => r.key)).toEqual([conversationId]);
  });

  it('conversation.history asks conversation for the latest 50 unless told, before a cursor if given', async () => {
    const before = '7a1e2b3c-4d5e-4f60-8a7b-8c9d0e1f2a3b';
    await sut.run('conversation.history', { conversationId }, () => agentId);
    await sut.run('conversation.history', { conversationId, before, limit: 200 }, () => agentId);
    expect(client.sent.map((s) => [s.service, s.op, s.data, s.key])).toEqual([
      [
        'conversation',
        'agent.list-messages',
        { agentId, conversationId, before: null, limit: 50 },
        conversationId,
      ],
      [
        'conversation',
        'agent.list-messages',
        { agentId, conversationId, before, limit: 200 },
        conversationId,
      ],
    ]);
  });

  it('agents.transferTargets asks routing, keyed by the conversation', async () => {
    await sut.run('agents.transferTargets', { conversationId }, () => agentId);
    expect(client.sent).toEqual([
      {
        service: 'routing',
        op: 'conversation.transfer-targets',
        data: { agentId, conversationId },
        key: conversationId,
      },
    ]);
  });

  it('lower-cases ids, so they compare equal to the ones the services return', async () => {
    await sut.run('conversation.close', { conversationId: conversationId.toUpperCase() }, () => agentId);
    expect(client.sent[0].data).toEqual({ agentId, conversationId });
  });

  it('ignores any payload of canned.list and answers the items', async () => {
    await expect(sut.run('canned.list', 'anything', () => agentId)).resolves.toEqual({ items: [] });
  });

  it.each([
    ['agent.status', { status: 'offline' }],
    ['agent.status', undefined],
    ['message.send', { conversationId: 'nope', text: 'a', clientMessageId: 'm' }],
    ['message.send', { conversationId, text: '', clientMessageId: 'm' }],
    ['canned.send', { conversationId, cannedResponseId: 'x', clientMessageId: 'm' }],
    ['conversation.release', {}],
    ['conversation.tag.add', { conversationId, tag: 'x'.repeat(51) }],
    ['conversation.tag.add', { conversationId, tag: '  ' }],
    ['conversation.tag.remove', { conversationId, tag: 'a\u0000b' }],
    ['conversation.tag.remove', { conversationId, tag: 'a\ud800' }],
    ['message.send', { conversationId, text: 'a', clientMessageId: 'm\u0000' }],
    ['message.send', { conversationId, text: 'a', clientMessageId: '\udc00' }],
    ['conversation.transfer', { conversationId }],
    ['agents.transferTargets', {}],
    ['conversation.history', { conversationId, limit: 0 }],
    ['conversation.history', { conversationId, limit: 201 }],
    ['conversation.history', { conversationId, limit: 1.5 }],
    ['conversation.history', { conversationId, limit: '10' }],
    ['conversation.history', { conversationId, before: 'nope' }],
  ] as const)('%s refuses %p with VALIDATION_FAILED, asking nothing', async (command, payload) => {
    expect(await codeOf(() => sut.run(command, payload, () => agentId))).toBe('VALIDATION_FAILED');
    expect(client.sent).toEqual([]);
  });

  it('refuses a malformed payload before looking at the agent', async () => {
    const noAgent = (): string => {
      throw new DomainError('UNAUTHENTICATED', 'not signed in');
    };
    expect(await codeOf(() => sut.run('visitor.block', { conversationId: 'x' }, noAgent))).toBe(
      'VALIDATION_FAILED',
    );
  });
});
