import { DomainError } from '@pupitre/shared/errors';
import { initialChatCapacity, refuseMobileCapacity } from './agent-capacity';

const codeOf = (fn: () => void) => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
};

describe(refuseMobileCapacity.name, () => {
  it.each([2, 3, 0, null, 'x'])('R5: any mobileCapacity (%p) is refused with MOBILE_CAPACITY_FIXED', (v) => {
    expect(codeOf(() => refuseMobileCapacity({ name: 'Ana', mobileCapacity: v }))).toBe(
      'MOBILE_CAPACITY_FIXED',
    );
  });

  it('R5: a request without mobileCapacity passes', () => {
    expect(codeOf(() => refuseMobileCapacity({ name: 'Ana', chatCapacity: 4 }))).toBeNull();
  });
});

describe(initialChatCapacity.name, () => {
  it('R4: the chat capacity is set by the admin', () => {
    expect(initialChatCapacity(5, 3)).toBe(5);
    expect(initialChatCapacity(0, 3)).toBe(0);
  });

  it('R4: default 3 (the configured default) when the admin sets none', () => {
    expect(initialChatCapacity(null, 3)).toBe(3);
    expect(initialChatCapacity(undefined, 3)).toBe(3);
  });
});
