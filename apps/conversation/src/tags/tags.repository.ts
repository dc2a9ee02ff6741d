import { Injectable } from '@nestjs/common';
import type { Statement } from '@pupitre/shared';

@Injectable()
export class TagsRepository {
  /** The tags' write, as a statement for the caller to join its event to (ConversationEventsOutbox.addWith). */
  setting(conversationId: string, tags: string[]): Statement {
    return { sql: 'UPDATE conversations SET tags = $2 WHERE id = $1', params: [conversationId, tags] };
  }
}
