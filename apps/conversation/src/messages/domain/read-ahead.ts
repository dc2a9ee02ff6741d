import { isUuid } from '@pupitre/shared/contracts';

/** A write of a batch of requests, as it comes before its handler validates it. */
export interface BatchWrite {
  requestId: string;
  op: string;
  data: unknown;
}

/** What a visitor's message reads before it writes: which visitor, and its idempotency key. */
export interface PostKey {
  visitorId: string;
  clientMessageId: string;
}

export const VISITOR_POST = 'visitor.post-message';

/**
 * Writes that change nothing a visitor's message reads (the visitor's row, their messages, which of
 * their conversations is open). Any other write (a close, a block, one this list does not know yet)
 * may, so a message after it reads for itself.
 */
const LEAVES_POST_READS_ALONE = new Set([
  'visitor.presence',
  'visitor.set-push-token',
  'visitor.clear-push-token',
  'gateway.heartbeat',
  'gateway.presence-reset',
  'agent.post-message',
  'agent.send-canned',
  'agent.tag',
  'canned.create',
  'canned.delete',
]);

/** The post's key, when its data has one (what lacks it is refused by its handler, unwritten). */
export function postKeyOf(data: unknown): PostKey | null {
  const d = (data ?? {}) as { visitorId?: unknown; clientMessageId?: unknown };
  if (!isUuid(d.visitorId)) return null;
  if (typeof d.clientMessageId !== 'string') return null;
  return { visitorId: d.visitorId.toLowerCase(), clientMessageId: d.clientMessageId };
}

/**
 * The visitor messages of a batch whose reads can all be made in one statement at the batch's start,
 * given its writes in the order they are applied: those that no earlier write of the batch can change
 * the reads of. Not a second message of the same visitor (the first may open their conversation, or
 * carry the same clientMessageId), and none after a write that may change them (see above). Each read
 * is for its request alone (by its id): a request that does not use its read (refused by its
 * handler's validation, or answered from the inbox) leaves it to nobody.
 */
export function postsToReadAhead(writes: BatchWrite[]): (PostKey & { requestId: string })[] {
  const posts: (PostKey & { requestId: string })[] = [];
  const visitors = new Set<string>();
  for (const { requestId, op, data } of writes) {
    if (op !== VISITOR_POST) {
      if (LEAVES_POST_READS_ALONE.has(op)) continue;
      break;
    }
    const key = postKeyOf(data);
    if (!key) continue;
    if (!visitors.has(key.visitorId)) posts.push({ ...key, requestId });
    visitors.add(key.visitorId);
  }
  return posts;
}
