import { Module } from '@nestjs/common';
import { FanoutModule } from '../fanout';
import { KafkaModule } from '../kafka';
import { GatewayMetrics } from './gateway-metrics';

/** The gateway's metrics (its registry is the shared OpsModule's ServiceMetrics) and HTTP observer. */
@Module({
  imports: [KafkaModule, FanoutModule],
  providers: [GatewayMetrics],
  exports: [GatewayMetrics],
})
export class ObservabilityModule {}
