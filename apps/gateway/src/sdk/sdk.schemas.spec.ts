import { DomainError } from '@pupitre/shared';
import { parseListMessagesQuery, parsePostMessage, parseRegisterVisitor } from './sdk.schemas';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'ACCEPTED';
}

describe(parseRegisterVisitor.name, () => {
  it('takes a channel, an optional name and platform', () => {
    expect(parseRegisterVisitor({ channel: 'mobile_app', platform: 'ios', name: 'Léa' })).toEqual({
      channel: 'mobile_app',
      platform: 'ios',
      name: 'Léa',
    });
    expect(parseRegisterVisitor({ channel: 'web_chat' })).toEqual({
      channel: 'web_chat',
      name: null,
      platform: null,
    });
  });

  it.each([
    [{}],
    [{ channel: 'sms' }],
    [{ channel: 'web_chat', platform: 'windows' }],
    [{ channel: 'web_chat', name: 'x'.repeat(101) }],
    ['web_chat'],
  ])('refuses %p', (body) => expect(codeOf(() => parseRegisterVisitor(body))).toBe('VALIDATION_FAILED'));
});

describe(parsePostMessage.name, () => {
  it.each(['hello', '  spaced  ', '👩‍👩‍👧‍👦', 'مرحبا', '<b>x</b>', '😀'.repeat(4000)])(
    'keeps %p byte for byte',
    (text) => {
      expect(parsePostMessage({ text, clientMessageId: 'c1' })).toEqual({ text, clientMessageId: 'c1' });
    },
  );

  it.each([
    ['empty text', { text: '', clientMessageId: 'c' }],
    ['blank text', { text: ' \n ', clientMessageId: 'c' }],
    ['4001 characters', { text: 'a'.repeat(4001), clientMessageId: 'c' }],
    ['a NUL in clientMessageId', { text: 'a', clientMessageId: 'c\u0000' }],
    ['a lone surrogate in clientMessageId', { text: 'a', clientMessageId: 'c\ud800' }],
    ['text not a string', { text: 1, clientMessageId: 'c' }],
    ['no clientMessageId', { text: 'a' }],
    ['an empty clientMessageId', { text: 'a', clientMessageId: '' }],
    ['a clientMessageId of 65 characters', { text: 'a', clientMessageId: 'x'.repeat(65) }],
  ])('refuses %s', (_name, body) => expect(codeOf(() => parsePostMessage(body))).toBe('VALIDATION_FAILED'));
});

describe(parseListMessagesQuery.name, () => {
  const after = '0b6f4a3e-8d0f-4c55-9d7a-1f4b7a2e9c10';

  it('limit defaults to 50', () => {
    expect(parseListMessagesQuery({})).toEqual({ after: null, limit: 50 });
    expect(parseListMessagesQuery(undefined)).toEqual({ after: null, limit: 50 });
  });

  it('takes a cursor and a limit from 1 to 200', () => {
    expect(parseListMessagesQuery({ after: after.toUpperCase(), limit: '200' })).toEqual({
      after,
      limit: 200,
    });
    expect(parseListMessagesQuery({ limit: '1' }).limit).toBe(1);
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: '201' }],
    [{ limit: 'ten' }],
    [{ limit: '1.5' }],
    [{ limit: '-1' }],
    [{ after: 'x' }],
  ])('refuses %p', (query) => expect(codeOf(() => parseListMessagesQuery(query))).toBe('VALIDATION_FAILED'));
});
