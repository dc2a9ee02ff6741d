import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BatchLocks, BatchRequest, idSchema } from '@pupitre/shared';
import { ChannelLocks } from '../assignment';
import { RoutedConversationsRepository } from '../conversations';

/**
 * What a routing write locks first, declared on its handler (`RequestHandler.locks`, in
 * routing.consumer.ts) beside the service method that takes the locks.
 */
export const RoutingLocks = {
  /** Every channel's lock, in CHANNELS order (a change of who is reachable: presence, status). */
  channels: 'channels',
  /** Its conversation's channel lock, then its row (`data.conversationId`: release, transfer). */
  conversation: 'conversation',
} as const;

export interface RequestBatchLockPlan {
  /** Take every channel's lock first, in CHANNELS order. */
  channels: boolean;
  /** Then these conversations' rows, in id order (the order event batches take them in). */
  conversations: string[];
}

/**
 * What a batch of routing's write requests locks before its first handler runs. Alone, a release or
 * a transfer takes its conversation's channel lock, then its row; a presence change takes every
 * channel's lock in CHANNELS order (or none: a status the agent already has). In one transaction their
 * sequences add up, and a release on web followed by a presence change takes web, then mobile: another
 * batch taking mobile, then web, deadlocks with it until PostgreSQL's `deadlock_timeout` breaks one
 * (then applied again, one by one). Presence changes alone always take the channels in order, so only
 * a batch with a release or transfer and at least one more of these takes every channel's lock first,
 * in CHANNELS order, and the conversations' rows in id order; the handlers then find their locks held
 * (advisory and row locks are re-entrant in a transaction). Any other batch takes its locks as its
 * requests do alone, so a flood of statuses the agent already has still takes none.
 */
export function requestBatchLockPlan(requests: BatchRequest[]): RequestBatchLockPlan {
  const locking = requests.filter(
    (r) => r.locks === RoutingLocks.channels || r.locks === RoutingLocks.conversation,
  );
  const conversationOps = locking.filter((r) => r.locks === RoutingLocks.conversation);
  if (locking.length < 2 || conversationOps.length === 0) return { channels: false, conversations: [] };
  // Not validated yet (each handler validates its own): a malformed id locks nothing and is refused there.
  const conversations = conversationOps
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
