import { DomainError } from '@pupitre/shared/errors';

/**
 * Reading "Blocking" (R2): a blocked visitor's every later message, on any channel, is refused.
 * Blocking itself closes the conversation with this reason (R14 still applies).
 */
export const BLOCK_CLOSE_REASON = 'visitor_blocked';

export function refuseIfBlocked(visitor: { blocked_at: Date | null }): void {
  if (visitor.blocked_at) throw new DomainError('VISITOR_BLOCKED', 'this visitor has been blocked');
}
