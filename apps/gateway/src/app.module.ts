import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin';
import { AuthModule } from './auth';
import { GatewayConfigModule } from './config/gateway-config.module';
import type { GatewayConfig } from './config/env.validation';
import { DeskModule } from './desk';
import { FanoutModule } from './fanout';
import { HealthModule } from './health';
import { KafkaModule } from './kafka';
import { ObservabilityModule } from './observability';
import { SdkModule } from './sdk';
import { VisitorSocketModule } from './visitor-socket';

/** The only door: HTTP and sockets in, Kafka requests out. No database, no business state. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        KafkaModule,
        ObservabilityModule,
        AuthModule,
        FanoutModule,
        AdminModule,
        SdkModule,
        DeskModule,
        VisitorSocketModule,
        HealthModule,
      ],
    };
  }
}
