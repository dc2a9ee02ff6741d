export { ConversationsModule } from './conversations.module';
export { ConversationsRepository, type ConversationRow } from './conversations.repository';
export { ConversationsService } from './conversations.service';
export { causeOf, ConversationEventsOutbox } from './conversation-events.outbox';
