import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { causeOf, ConversationEventsOutbox, ConversationsService } from '../conversations';
import { BatchReadAhead } from '../messages';
import { withTag } from './domain/with-tag';
import { TagsRepository } from './tags.repository';

type Op = ConversationOps['agent.tag'];

/** R2: the holding agent adds or removes a tag; a change is announced (`conversation.tags-changed`). */
@Injectable()
export class TagConversationService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly tags: TagsRepository,
    private readonly events: ConversationEventsOutbox,
    private readonly readAhead: BatchReadAhead,
  ) {}

  async tag(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    const ahead = this.readAhead.takeConversation(tx, meta.requestId);
    const conversation = await this.conversations.heldBy(tx, d.agentId, d.conversationId, ahead);
    const tags = withTag(conversation.tags, d.tag, d.action);
    if (tags !== conversation.tags) {
      await this.events.addWith(
        tx,
        this.tags.setting(conversation.id, tags),
        'conversation.tags-changed',
        { conversationId: conversation.id, tags },
        meta.now,
        causeOf(meta),
      );
    }
    return { tags };
  }
}
