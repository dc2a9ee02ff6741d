import { Module } from '@nestjs/common';
import { ConversationEventsOutbox } from './conversation-events.outbox';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';

@Module({
  providers: [ConversationsRepository, ConversationsService, ConversationEventsOutbox],
  exports: [ConversationsRepository, ConversationsService, ConversationEventsOutbox],
})
export class ConversationsModule {}
