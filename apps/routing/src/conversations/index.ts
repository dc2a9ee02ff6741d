export { ConversationsModule } from './conversations.module';
export { RoutedConversationsRepository, type LockedConversation } from './routed-conversations.repository';
export {
  RoutedConversation,
  type RoutingEventDraft,
  type Transition,
  type TransferTarget,
} from './domain/routed-conversation';
export { publishedDeadlines, type TimeoutConfig } from './domain/deadlines';
