import { DynamicModule, Module } from '@nestjs/common';
import { databaseServiceImports } from '@pupitre/shared';
import type { ConversationConfig } from './config/env.validation';
import { ConsumersModule } from './consumers';
import { Initial1732500000000 } from './migrations/1732500000000-initial';
import { RoutingVersions1764800000000 } from './migrations/1764800000000-routing-versions';
import { ConversationRouting1765000000000 } from './migrations/1765000000000-conversation-routing';
import { Push1764600000000 } from './migrations/1764600000000-push';
import { ResponseWindow1765300000000 } from './migrations/1765300000000-response-window';

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
          migrations: [
            Initial1732500000000,
            Push1764600000000,
            RoutingVersions1764800000000,
            ConversationRouting1765000000000,
            ResponseWindow1765300000000,
          ],
        }),
        ConsumersModule,
      ],
    };
  }
}
