import { Module } from '@nestjs/common';
import { RoutedConversationsRepository } from './routed-conversations.repository';

/** Routing's view of each conversation: the aggregate's storage. */
@Module({ providers: [RoutedConversationsRepository], exports: [RoutedConversationsRepository] })
export class ConversationsModule {}
