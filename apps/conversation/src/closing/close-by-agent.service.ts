import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { causeOf, ConversationsService } from '../conversations';
import { BatchReadAhead } from '../messages';
import { ConversationCloser } from './conversation-closer';

type Op = ConversationOps['agent.close'];

/** R12: the holding agent may close the conversation for good at any time (reason `agent`). */
@Injectable()
export class CloseByAgentService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly closer: ConversationCloser,
    private readonly readAhead: BatchReadAhead,
  ) {}

  async close(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    // Read with its batch when it could be; its write held back with the batch's other closes.
    const ahead = this.readAhead.takeConversation(tx, meta.requestId);
    const conversation = await this.conversations.heldBy(tx, d.agentId, d.conversationId, ahead);
    await this.closer.closeLater(tx, conversation, 'agent', meta.now, causeOf(meta));
    return {};
  }
}
