import { DomainError } from '@pupitre/shared/errors';
import { refuseIfBlocked } from './blocking';

describe(refuseIfBlocked.name, () => {
  it('a visitor never blocked may write', () => {
    expect(() => refuseIfBlocked({ blocked_at: null })).not.toThrow();
  });

  it('Blocking: every later message of a blocked visitor is refused with VISITOR_BLOCKED', () => {
    const refusal = (() => {
      try {
        refuseIfBlocked({ blocked_at: new Date('2026-11-01T10:00:00Z') });
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe('VISITOR_BLOCKED');
  });
});
