import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { assertHeldBy } from '../conversations';
import { MessagePoster } from './message-poster';
import { BatchReadAhead } from './batch-read-ahead';
import { MessagesRepository } from './messages.repository';

type Op = ConversationOps['agent.post-message'];

/**
 * An agent answers in a conversation they hold; a retried clientMessageId returns the first message.
 * It refuses only on its first statement, a read (see the handler's `readsBeforeWrites`), or on its
 * read made ahead with its batch, before any statement.
 */
@Injectable()
export class PostAgentMessageService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly poster: MessagePoster,
    private readonly readAhead: BatchReadAhead,
  ) {}

  async post(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    // In a batch, usually read with the batch's locks (BatchReadAhead) and written with the batch's
    // other messages: no statement of its own.
    const ahead = this.readAhead.takeAgentPost(tx, meta.requestId, meta.now);
    const read =
      ahead ?? (await this.messages.lockForAgentPost(tx, d.agentId, d.clientMessageId, d.conversationId));
    if (read.earlierId) return { messageId: read.earlierId };
    const conversation = assertHeldBy(read.conversation, d.agentId);
    const message = ahead
      ? await this.poster.postAgentMessageLater(tx, conversation, d.agentId, d, meta, ahead.push)
      : await this.poster.post(tx, conversation, { type: 'agent', id: d.agentId }, d, meta);
    return { messageId: message.id };
  }
}
