import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule, typeOrmOptions } from '@pupitre/shared';
import { CannedResponsesService } from './canned/canned-responses.service';
import type { ConversationConfig } from './config/env.validation';
import { AssignmentProjectionService } from './conversations/assignment-projection.service';
import { ConversationConsumer } from './conversations/conversation.consumer';
import { ConversationsRepository } from './conversations/conversations.repository';
import { ConversationsService } from './conversations/conversations.service';
import { Initial1732500000000 } from './migrations/1732500000000-initial';

export const CONVERSATION_SCHEMA = 'conversation';

@Module({})
export class AppModule {
  static forRoot(config: ConversationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(
          typeOrmOptions({
            url: config.DATABASE_URL,
            schema: CONVERSATION_SCHEMA,
            entities: [],
            migrations: [Initial1732500000000],
          }),
        ),
        MessagingModule.forService({
          service: 'conversation',
          schema: CONVERSATION_SCHEMA,
          databaseUrl: config.DATABASE_URL,
          kafka: config,
        }),
      ],
      controllers: [ConversationConsumer],
      providers: [
        ConversationsRepository,
        ConversationsService,
        CannedResponsesService,
        AssignmentProjectionService,
      ],
    };
  }
}
