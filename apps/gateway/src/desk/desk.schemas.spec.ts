import { DomainError } from '@pupitre/shared';
import { parseCommand } from './desk.schemas';

const conversationId = '0b6f4a3e-8d0f-4c55-9d7a-1f4b7a2e9c10';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'ACCEPTED';
}

describe(parseCommand.name, () => {
  it('parses each command payload', () => {
    expect(parseCommand('agent.status', { status: 'away' })).toEqual({ status: 'away' });
    expect(parseCommand('message.send', { conversationId, text: ' hi ', clientMessageId: 'm1' })).toEqual({
      conversationId,
      text: ' hi ',
      clientMessageId: 'm1',
    });
    expect(parseCommand('conversation.tag.add', { conversationId, tag: 'vip', other: 1 })).toEqual({
      conversationId,
      tag: 'vip',
    });
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
    ['conversation.tag.add', { conversationId, tag: 'a\u0000b' }],
    ['conversation.tag.add', { conversationId, tag: 'a\ud800' }],
    ['message.send', { conversationId, text: 'a', clientMessageId: 'm\u0000' }],
    ['message.send', { conversationId, text: 'a', clientMessageId: '\udc00' }],
    ['conversation.transfer', { conversationId }],
  ] as const)('%s refuses %p with VALIDATION_FAILED', (command, payload) => {
    expect(codeOf(() => parseCommand(command, payload))).toBe('VALIDATION_FAILED');
  });
});
