import { DynamicModule, Module } from '@nestjs/common';
import { databaseServiceImports } from '@pupitre/shared';
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
        ...databaseServiceImports({
          service: 'conversation',
          schema: CONVERSATION_SCHEMA,
          config,
          migrations: [Initial1732500000000],
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
