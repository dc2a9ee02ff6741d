import { DomainError } from '@pupitre/shared';
import { createdId } from './idempotency-key';

describe(createdId.name, () => {
  it('derives the same id from the same key, a different one per kind', () => {
    expect(createdId('agent', 'k-1')).toBe(createdId('agent', 'k-1'));
    expect(createdId('agent', 'k-1')).not.toBe(createdId('agent', 'k-2'));
    expect(createdId('agent', 'k-1')).not.toBe(createdId('canned-response', 'k-1'));
  });

  it('without a key, a fresh id each time', () => {
    expect(createdId('agent', undefined)).not.toBe(createdId('agent', undefined));
  });

  it.each(['', ' ', 'a b', 'x'.repeat(256), ['a', 'b']])('refuses %p', (key) => {
    expect(() => createdId('agent', key)).toThrow(DomainError);
  });
});
