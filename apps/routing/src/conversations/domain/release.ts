export type ReleaseOutcome = 'queued' | 'released';

/**
 * R7: released after a visitor message → straight back to the queue.
 * R8: released after an agent message → waits for the visitor.
 * No message at all: someone is still owed an answer, so it is queued.
 */
export function releaseOutcome(lastMessageAuthor: 'visitor' | 'agent' | null): ReleaseOutcome {
  return lastMessageAuthor === 'agent' ? 'released' : 'queued';
}
