export { ConversationsModule } from './conversations.module';
export {
  ConversationsRepository,
  type ConversationRef,
  type ConversationRow,
  type ConversationTableRow,
} from './conversations.repository';
export { ConversationsService } from './conversations.service';
export { causeOf, ConversationEventsOutbox, type ConversationEvent } from './conversation-events.outbox';
export { assertHeldBy } from './domain/held-by';
