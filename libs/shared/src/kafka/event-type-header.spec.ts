import { EVENT_TYPE_HEADER, typesApplied, unwantedByHeader } from './event-type-header';

describe(unwantedByHeader.name, () => {
  const wanted = new Set(['conversation.closed']);

  it('passes over a record whose header names another type, as kafkajs gives it (a Buffer) or as a string', () => {
    expect(unwantedByHeader({ [EVENT_TYPE_HEADER]: Buffer.from('message.posted') }, wanted)).toBe(true);
    expect(unwantedByHeader({ [EVENT_TYPE_HEADER]: 'message.posted' }, wanted)).toBe(true);
  });

  it('keeps a record of a wanted type', () => {
    expect(unwantedByHeader({ [EVENT_TYPE_HEADER]: Buffer.from('conversation.closed') }, wanted)).toBe(false);
  });

  it('keeps a record without the header, or with it repeated: its value decides', () => {
    expect(unwantedByHeader(undefined, wanted)).toBe(false);
    expect(unwantedByHeader({ other: 'x' }, wanted)).toBe(false);
    expect(unwantedByHeader({ [EVENT_TYPE_HEADER]: ['a', 'b'] }, wanted)).toBe(false);
  });
});

describe(typesApplied.name, () => {
  it('one handler: what it named, or all when it named nothing', () => {
    expect(typesApplied(undefined, new Set(['a']))).toEqual(new Set(['a']));
    expect(typesApplied(undefined, undefined)).toBe('all');
  });

  it('several handlers of one topic: the union, or all as soon as one named nothing', () => {
    expect(typesApplied(new Set(['a']), new Set(['b']))).toEqual(new Set(['a', 'b']));
    expect(typesApplied(new Set(['a']), undefined)).toBe('all');
    expect(typesApplied('all', new Set(['b']))).toBe('all');
  });
});
