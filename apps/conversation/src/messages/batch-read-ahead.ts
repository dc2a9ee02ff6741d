import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { BatchRequest } from '@pupitre/shared';
import { ConversationRow, ConversationsRepository, ConversationsService } from '../conversations';
import { targetOf, wouldBePushed } from '../push';
import {
  agentPostsToReadAhead,
  answerReadAheadHolds,
  commandsToReadAhead,
  postsToReadAhead,
  type ReadAheadAgentPost,
  readAheadHolds,
} from './domain/read-ahead';
import { AgentPostRead, MessagesRepository, VisitorPost } from './messages.repository';

/** A batch's reads, by request id. */
interface BatchReads {
  visitors: Map<string, { read: VisitorPost | null; repeat: boolean }>;
  agents: Map<string, { read: AgentPostRead; post: ReadAheadAgentPost }>;
  /** Agents' closes and tags: their conversation (null: none such). */
  commands: Map<string, ConversationRow | null>;
}

/**
 * The batch lock of `conversation.requests` (RequestProcessor's BatchLocks), which also makes the reads
 * of the batch's messages: a message to an open conversation then costs no round trip to PostgreSQL of
 * its own, its write going with the batch's others (MessagePoster's write-behind; issue 7: at 1,000
 * messages/s the conversation service's largest cost was its round trips, and with the database a few
 * milliseconds away a batch's round trips decide how long it holds its partition).
 * - Visitors' messages are read by the lock statement itself.
 * - Agents' messages, canned sends included, by one statement right after it (their conversations are
 *   locked by then): without it, each took three or four round trips of its own (the flush of the
 *   writes held before it, its read, its write, the push target's read), and a canned send one more
 *   (the canned response's text).
 * - Agents' closes and tags, by one statement after that: their conversation, which each read under
 *   its lock for itself before (session 49; a close then costs no statement of its own, its write
 *   held back with the batch's others, ConversationCloser.closeLater).
 * Only for the messages and commands no earlier write of the batch can change the reads of
 * (domain/read-ahead.ts); the others, and a request applied alone, read for themselves.
 */
@Injectable()
export class BatchReadAhead {
  /** Each batch's reads, by its transaction's query runner (a handler's `tx` may be a proxy of it). */
  private readonly reads = new WeakMap<object, BatchReads>();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly conversationRows: ConversationsRepository,
  ) {}

  /** Locks what the batch's writes will lock (ConversationsService.lockForBatch) and reads ahead. */
  async lockForBatch(requests: BatchRequest[], tx: EntityManager): Promise<void> {
    const posts = postsToReadAhead(requests);
    const agentPosts = agentPostsToReadAhead(requests);
    const commands = commandsToReadAhead(requests);
    const reads: BatchReads = { visitors: new Map(), agents: new Map(), commands: new Map() };
    if (posts.length === 0) await this.conversations.lockForBatch(requests, tx);
    else {
      const { ids, openOfVisitors } = this.conversations.batchLockTargets(requests);
      const read = await this.messages.lockForVisitorPosts(tx, ids, openOfVisitors, posts);
      posts.forEach((p, i) => reads.visitors.set(p.requestId, { read: read[i], repeat: p.repeat }));
    }
    if (agentPosts.length > 0) {
      const read = await this.messages.readForAgentPosts(tx, agentPosts);
      agentPosts.forEach((post, i) => reads.agents.set(post.requestId, { read: read[i], post }));
    }
    if (commands.length > 0) {
      const rows = await this.conversationRows.findMany(
        tx,
        commands.map((c) => c.conversationId),
      );
      const byId = new Map(rows.map((r) => [r.id.toLowerCase(), r]));
      for (const c of commands) reads.commands.set(c.requestId, byId.get(c.conversationId) ?? null);
    }
    if (posts.length + agentPosts.length + commands.length > 0) this.reads.set(runnerOf(tx), reads);
  }

  /**
   * An agent's close's or tag's conversation (null: none such), read at the start of its batch under
   * the batch's lock; once. Undefined when it was not read ahead (an earlier write of the batch named
   * its conversation, or it came alone): the caller reads it under its lock for itself.
   */
  takeConversation(tx: EntityManager, requestId: string): ConversationRow | null | undefined {
    const reads = this.reads.get(runnerOf(tx))?.commands;
    const ahead = reads?.get(requestId);
    reads?.delete(requestId);
    return ahead;
  }

  /**
   * What MessagesRepository.lockVisitorPost would read for this request's message, read at the start
   * of its batch; once. Undefined when it was not read ahead, or when an earlier message of the same
   * visitor in the batch may have changed it (readAheadHolds): the caller reads for itself.
   */
  take(tx: EntityManager, requestId: string): VisitorPost | null | undefined {
    const reads = this.reads.get(runnerOf(tx))?.visitors;
    const ahead = reads?.get(requestId);
    reads?.delete(requestId);
    return ahead && readAheadHolds(ahead.read, ahead.repeat) ? ahead.read : undefined;
  }

  /**
   * A canned send's text, read at the start of its batch: null when there is no such canned response;
   * undefined when it was not read ahead (the caller reads it). Its message's reads are taken after it
   * (takeAgentPost).
   */
  cannedText(tx: EntityManager, requestId: string): string | null | undefined {
    const ahead = this.reads.get(runnerOf(tx))?.agents.get(requestId);
    return ahead?.post.cannedResponseId === undefined ? undefined : ahead.read.cannedText;
  }

  /**
   * What an agent's message reads (MessagesRepository.lockForAgentPost, and the push target), read at
   * the start of its batch; once. Undefined when it was not read ahead, or when an earlier write of the
   * batch may have changed whether it is pushed (answerReadAheadHolds): the caller reads for itself.
   */
  takeAgentPost(tx: EntityManager, requestId: string, now: Date): AgentPostRead | undefined {
    const reads = this.reads.get(runnerOf(tx))?.agents;
    const ahead = reads?.get(requestId);
    reads?.delete(requestId);
    if (!ahead) return undefined;
    const wouldPush = wouldBePushed(targetOf(ahead.read.push, now));
    return answerReadAheadHolds(ahead.read, ahead.post, wouldPush) ? ahead.read : undefined;
  }
}

const runnerOf = (tx: EntityManager): object => tx.queryRunner ?? tx;
