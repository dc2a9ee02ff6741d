import { DynamicModule, Global, Module } from '@nestjs/common';
import type { RoutingConfig } from './env.validation';
import { ROUTING_CONFIG } from './routing.config';

/** The validated configuration, injected as ROUTING_CONFIG in every feature. */
@Global()
@Module({})
export class RoutingConfigModule {
  static forRoot(config: RoutingConfig): DynamicModule {
    return {
      module: RoutingConfigModule,
      providers: [{ provide: ROUTING_CONFIG, useValue: config }],
      exports: [ROUTING_CONFIG],
    };
  }
}
