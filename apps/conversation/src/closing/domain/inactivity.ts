import type { AuthorType } from '@pupitre/shared/contracts';

/**
 * R11, as conversation checks it before closing: the last message is the agent's, and it is not newer
 * than the agent message routing counted the 7 days from (a newer one means routing's view was behind).
 * The visitor has then stayed silent since that agent message.
 */
export function isInactiveSince(last: { author: AuthorType; at: Date } | null, basis: Date): boolean {
  return last !== null && last.author === 'agent' && last.at.getTime() <= basis.getTime();
}
