import { DomainError } from '@pupitre/shared';
import {
  parseCreateAgent,
  parseCreateCanned,
  parseRemunerationsQuery,
  parseUpdateAgent,
} from './admin.schemas';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'ACCEPTED';
}

describe(parseCreateAgent.name, () => {
  it('takes a name and an optional chat capacity; unknown fields are ignored', () => {
    expect(parseCreateAgent({ name: 'Ana', chatCapacity: 4, extra: true })).toEqual({
      name: 'Ana',
      chatCapacity: 4,
    });
    expect(parseCreateAgent({ name: 'Ana' })).toEqual({ name: 'Ana', chatCapacity: null });
    expect(parseCreateAgent({ name: 'Ana', chatCapacity: null })).toEqual({
      name: 'Ana',
      chatCapacity: null,
    });
  });

  it('accepts the bounds', () => {
    expect(parseCreateAgent({ name: 'x'.repeat(100), chatCapacity: 0 }).chatCapacity).toBe(0);
    expect(parseCreateAgent({ name: '👩‍💻'.slice(0, 2), chatCapacity: 20 }).chatCapacity).toBe(20);
  });

  it.each([
    ['no body', undefined],
    ['an array', []],
    ['no name', {}],
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name of 101 characters', { name: 'x'.repeat(101) }],
    ['a name that is not a string', { name: 7 }],
    ['a negative capacity', { name: 'a', chatCapacity: -1 }],
    ['a capacity above 20', { name: 'a', chatCapacity: 21 }],
    ['a fractional capacity', { name: 'a', chatCapacity: 1.5 }],
    ['a capacity as a string', { name: 'a', chatCapacity: '3' }],
  ])('refuses %s with VALIDATION_FAILED', (_name, body) => {
    expect(codeOf(() => parseCreateAgent(body))).toBe('VALIDATION_FAILED');
  });

  it.each([2, 3, null, 'x'])('R5: any mobileCapacity (%p) is MOBILE_CAPACITY_FIXED', (mobileCapacity) => {
    expect(codeOf(() => parseCreateAgent({ name: 'Ana', mobileCapacity }))).toBe('MOBILE_CAPACITY_FIXED');
  });

  it('R5: mobileCapacity is refused even when the rest is invalid', () => {
    expect(codeOf(() => parseCreateAgent({ mobileCapacity: 2 }))).toBe('MOBILE_CAPACITY_FIXED');
  });

  it('names the field in the message', () => {
    expect(() => parseCreateAgent({ name: 'a', chatCapacity: 99 })).toThrow(/chatCapacity/);
  });
});

describe(parseUpdateAgent.name, () => {
  it('keeps only what is given', () => {
    expect(parseUpdateAgent({ name: 'Bo' })).toEqual({ name: 'Bo' });
    expect(parseUpdateAgent({ chatCapacity: 5 })).toEqual({ chatCapacity: 5 });
    expect(parseUpdateAgent({})).toEqual({});
  });

  it('R5: mobileCapacity in a PATCH is MOBILE_CAPACITY_FIXED', () => {
    expect(codeOf(() => parseUpdateAgent({ mobileCapacity: 4 }))).toBe('MOBILE_CAPACITY_FIXED');
    expect(codeOf(() => parseUpdateAgent({ name: 'Bo', mobileCapacity: 2 }))).toBe('MOBILE_CAPACITY_FIXED');
  });

  it.each([[{ chatCapacity: 21 }], [{ chatCapacity: null }], [{ name: '' }], [null]])(
    'refuses %p',
    (body) => {
      expect(codeOf(() => parseUpdateAgent(body))).toBe('VALIDATION_FAILED');
    },
  );
});

describe(parseCreateCanned.name, () => {
  it('takes a title and a text, kept as written', () => {
    expect(parseCreateCanned({ title: 'Hi', text: '  Bonjour 👋🏽  ' })).toEqual({
      title: 'Hi',
      text: '  Bonjour 👋🏽  ',
    });
  });

  it.each([
    [{ title: '', text: 'a' }],
    [{ title: 'x'.repeat(101), text: 'a' }],
    [{ title: 'a', text: ' ' }],
    [{ title: 'a', text: 'a'.repeat(4001) }],
    [{ title: 'a' }],
  ])('refuses %p', (body) => expect(codeOf(() => parseCreateCanned(body))).toBe('VALIDATION_FAILED'));
});

describe(parseRemunerationsQuery.name, () => {
  const agentId = '5e1c2b9a-3f47-4e1d-8a6b-2c9d0e7f1a33';

  it('everything is optional', () => {
    expect(parseRemunerationsQuery({})).toEqual({ agentId: null, from: null, to: null });
    expect(parseRemunerationsQuery({ agentId: '', from: '', to: '' })).toEqual({
      agentId: null,
      from: null,
      to: null,
    });
  });

  it('normalises dates to UTC ISO with milliseconds', () => {
    expect(parseRemunerationsQuery({ agentId, from: '2025-01-01', to: '2025-01-31T12:00:00+02:00' })).toEqual(
      {
        agentId,
        from: '2025-01-01T00:00:00.000Z',
        to: '2025-01-31T10:00:00.000Z',
      },
    );
  });

  it.each([
    [{ agentId: 'nope' }],
    [{ from: 'yesterday' }],
    [{ from: '2025-02-30' }],
    [{ to: '2025-01-01T10:00:00' }],
    [{ from: '2025-02-01', to: '2025-01-01' }],
    [{ from: ['2025-01-01', '2025-01-02'] }],
  ])('refuses %p', (query) => expect(codeOf(() => parseRemunerationsQuery(query))).toBe('VALIDATION_FAILED'));
});
