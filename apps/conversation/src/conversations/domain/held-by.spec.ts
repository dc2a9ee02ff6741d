import { DomainError } from '@pupitre/shared/errors';
import { assertHeldBy } from './held-by';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : String(err);
  }
  return null;
};

describe(assertHeldBy.name, () => {
  const held = { status: 'assigned', agent_id: 'a-1' };

  it('the agent who holds it may act on it', () => {
    expect(assertHeldBy(held, 'a-1')).toBe(held);
  });

  it('an unknown conversation is NOT_FOUND', () => {
    expect(codeOf(() => assertHeldBy(null, 'a-1'))).toBe('NOT_FOUND');
  });

  it("another agent's conversation is FORBIDDEN", () => {
    expect(codeOf(() => assertHeldBy(held, 'a-2'))).toBe('FORBIDDEN');
  });

  it.each(['queued', 'released', 'closed'])(
    'a %s conversation is FORBIDDEN, even to its last agent',
    (status) => {
      expect(codeOf(() => assertHeldBy({ status, agent_id: 'a-1' }, 'a-1'))).toBe('FORBIDDEN');
    },
  );
});
