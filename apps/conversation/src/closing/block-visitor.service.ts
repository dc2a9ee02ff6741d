import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { causeOf, ConversationsService } from '../conversations';
import { BLOCK_CLOSE_REASON, VisitorsRepository } from '../visitors';
import { ConversationCloser } from './conversation-closer';

type Op = ConversationOps['agent.block-visitor'];

/** R2 + reading "Blocking": the holding agent blocks the visitor, which closes the conversation. */
@Injectable()
export class BlockVisitorService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly visitors: VisitorsRepository,
    private readonly closer: ConversationCloser,
  ) {}

  async block(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    // Conversation before visitor, the order a visitor's messages take their locks (alone or in a
    // batch, MessagesRepository.lockForVisitorPosts): no deadlock between them.
    const conversation = await this.conversations.heldBy(tx, d.agentId, d.conversationId);
    await this.visitors.block(tx, conversation.visitor_id, meta.now);
    await this.closer.close(tx, conversation, BLOCK_CLOSE_REASON, meta.now, causeOf(meta));
    return {};
  }
}
