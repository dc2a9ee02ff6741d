import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { databaseServiceImports } from '@pupitre/shared';
import type { RoutingConfig } from './config/env.validation';
import { RoutingConfigModule } from './config/routing-config.module';
import { ConsumerModule } from './consumer';
import { Initial1732500000000 } from './migrations/1732500000000-initial';
import { ExclusionUntil1764100000000 } from './migrations/1764100000000-exclusion-until';
import { SlotVersions1764500000000 } from './migrations/1764500000000-slot-versions';
import { ObservabilityModule } from './observability';
import { QueueSnapshots1764600000000 } from './migrations/1764600000000-queue-snapshots';
import { SweepsModule } from './sweeps';
import { GatewayInstances1764700000000 } from './migrations/1764700000000-gateway-instances';
import { ConversationEventVersions1764800000000 } from './migrations/1764800000000-conversation-event-versions';
import { DeadlineMinutes1765100000000 } from './migrations/1765100000000-deadline-minutes';
import { DeadlinesUnpublished1765200000000 } from './migrations/1765200000000-deadlines-unpublished';
import { DeadlinesUnpublishedIndex1765200000001 } from './migrations/1765200000001-deadlines-unpublished-index';
import { PublishResponseWindows1765300000000 } from './migrations/1765300000000-publish-response-windows';

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
          migrations: [
            Initial1732500000000,
            ExclusionUntil1764100000000,
            SlotVersions1764500000000,
            QueueSnapshots1764600000000,
            GatewayInstances1764700000000,
            ConversationEventVersions1764800000000,
            DeadlineMinutes1765100000000,
            DeadlinesUnpublished1765200000000,
            DeadlinesUnpublishedIndex1765200000001,
            PublishResponseWindows1765300000000,
          ],
        }),
        RoutingConfigModule.forRoot(config),
        ConsumerModule,
        SweepsModule,
        ObservabilityModule,
      ],
    };
  }
}
