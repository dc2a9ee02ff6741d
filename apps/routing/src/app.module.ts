import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { databaseServiceImports } from '@pupitre/shared';
import { AgentsRepository } from './agents/agents.repository';
import { AgentsService } from './agents/agents.service';
import { AssignmentService } from './assignment/assignment.service';
import { ConversationFlowService } from './assignment/conversation-flow.service';
import { RoutedConversationsRepository } from './assignment/routed-conversations.repository';
import type { RoutingConfig } from './config/env.validation';
import { RoutingEventsEmitter } from './events/routing-events.emitter';
import { Initial1732500000000 } from './migrations/1732500000000-initial';
import { ExclusionUntil1764100000000 } from './migrations/1764100000000-exclusion-until';
import { ROUTING_CONFIG } from './routing.config';
import { RoutingConsumer } from './routing.consumer';
import { StartupBacklogGate } from './timeouts/startup-backlog.gate';
import { TimeoutsService } from './timeouts/timeouts.service';
import { TimeoutsSweeper } from './timeouts/timeouts.sweeper';

export const ROUTING_SCHEMA = 'routing';

@Module({})
export class AppModule {
  static forRoot(config: RoutingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ScheduleModule.forRoot(),
        ...databaseServiceImports({
          service: 'routing',
          schema: ROUTING_SCHEMA,
          config,
          migrations: [Initial1732500000000, ExclusionUntil1764100000000],
        }),
      ],
      controllers: [RoutingConsumer],
      providers: [
        { provide: ROUTING_CONFIG, useValue: config },
        AgentsRepository,
        RoutedConversationsRepository,
        RoutingEventsEmitter,
        AssignmentService,
        AgentsService,
        ConversationFlowService,
        TimeoutsService,
        StartupBacklogGate,
        TimeoutsSweeper,
      ],
    };
  }
}
