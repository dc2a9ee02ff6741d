import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { BatchRequest } from '@pupitre/shared';
import { ConversationsService } from '../conversations';
import { postsToReadAhead, readAheadHolds } from './domain/read-ahead';
import { MessagesRepository, VisitorPost } from './messages.repository';

/**
 * The batch lock of `conversation.requests` (RequestProcessor's BatchLocks), which also makes the reads
 * of the batch's visitor messages: a visitor message to an open conversation then costs one round trip
 * to PostgreSQL, its write, instead of two (issue 7: at 1,000 messages/s the conversation service's
 * largest cost was its round trips). Only for the messages no earlier write of the batch can change
 * the reads of (domain/read-ahead.ts); the others, and a message applied alone, read for themselves.
 */
@Injectable()
export class VisitorPostReadAhead {
  /** Each batch's reads by request id, by its transaction's query runner (a handler's `tx` may be a proxy of it). */
  private readonly reads = new WeakMap<object, Map<string, { read: VisitorPost | null; repeat: boolean }>>();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
  ) {}

  /** Locks what the batch's writes will lock (ConversationsService.lockForBatch) and reads ahead. */
  async lockForBatch(requests: BatchRequest[], tx: EntityManager): Promise<void> {
    const posts = postsToReadAhead(requests);
    if (posts.length === 0) return this.conversations.lockForBatch(requests, tx);
    const { ids, openOfVisitors } = this.conversations.batchLockTargets(requests);
    const read = await this.messages.lockForVisitorPosts(tx, ids, openOfVisitors, posts);
    this.reads.set(
      runnerOf(tx),
      new Map(posts.map((p, i) => [p.requestId, { read: read[i], repeat: p.repeat }])),
    );
  }

  /**
   * What MessagesRepository.lockVisitorPost would read for this request's message, read at the start
   * of its batch; once. Undefined when it was not read ahead, or when an earlier message of the same
   * visitor in the batch may have changed it (readAheadHolds): the caller reads for itself.
   */
  take(tx: EntityManager, requestId: string): VisitorPost | null | undefined {
    const reads = this.reads.get(runnerOf(tx));
    const ahead = reads?.get(requestId);
    reads?.delete(requestId);
    return ahead && readAheadHolds(ahead.read, ahead.repeat) ? ahead.read : undefined;
  }
}

const runnerOf = (tx: EntityManager): object => tx.queryRunner ?? tx;
