import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BatchLocks, idSchema } from '@pupitre/shared';
import { ChannelLocks } from '../assignment';
import { RoutedConversationsRepository } from '../conversations';

/** Requests whose handlers take every channel's lock (a change of who is reachable). */
const LOCKS_ALL_CHANNELS: ReadonlySet<string> = new Set([
  'desk.connect',
  'desk.disconnect',
  'desk.instance-started',
  'agent.set-status',
]);
/** Requests whose handlers take their conversation's channel lock, then its row. */
const LOCKS_A_CONVERSATION: ReadonlySet<string> = new Set(['conversation.release', 'conversation.transfer']);

export interface RequestBatchLockPlan {
  /** Take every channel's lock first, in CHANNELS order. */
  channels: boolean;
  /** Then these conversations' rows, in id order (the order event batches take them in). */
  conversations: string[];
}

/**
 * What a batch of routing's write requests locks before its first handler runs. Alone, each handler
 * takes one channel's lock (release, transfer) or all of them in CHANNELS order (presence), then rows;
 * two such requests in one transaction would take the channels in the requests' order (a release on
 * web, then one on mobile), and two batches taking them in opposite orders would deadlock until
 * PostgreSQL's `deadlock_timeout` broke one (then applied again, one by one). So a batch with two or
 * more of them takes every channel's lock first, in CHANNELS order, and the conversations' rows in id
 * order; the handlers then find their locks held (advisory and row locks are re-entrant in a
 * transaction). A batch with at most one takes its locks as that request does alone.
 */
export function requestBatchLockPlan(requests: { op: string; data: unknown }[]): RequestBatchLockPlan {
  const locking = requests.filter((r) => LOCKS_ALL_CHANNELS.has(r.op) || LOCKS_A_CONVERSATION.has(r.op));
  if (locking.length < 2) return { channels: false, conversations: [] };
  // Not validated yet (each handler validates its own): a malformed id locks nothing and is refused there.
  const conversations = locking
    .filter((r) => LOCKS_A_CONVERSATION.has(r.op))
    .map((r) => (r.data as { conversationId?: unknown } | null)?.conversationId)
    .filter((id): id is string => idSchema.safeParse(id).success);
  return { channels: true, conversations: [...new Set(conversations)].sort() };
}

/** Routing's `BatchLocks` for its request batches (RequestProcessor): see requestBatchLockPlan. */
@Injectable()
export class RequestBatchLocks {
  constructor(
    private readonly locks: ChannelLocks,
    private readonly routed: RoutedConversationsRepository,
  ) {}

  readonly lock: BatchLocks = async (requests, tx: EntityManager) => {
    const plan = requestBatchLockPlan(requests);
    if (!plan.channels) return;
    await this.locks.lockAll(tx);
    await this.routed.lockAll(tx, plan.conversations);
  };
}
