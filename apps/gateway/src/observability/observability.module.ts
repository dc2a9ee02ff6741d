import { Module } from '@nestjs/common';
import { KafkaModule } from '../kafka';
import { GatewayMetrics } from './gateway-metrics';

/** The gateway's metrics (its registry is the shared OpsModule's ServiceMetrics) and HTTP observer. */
@Module({
  imports: [KafkaModule],
  providers: [GatewayMetrics],
  exports: [GatewayMetrics],
})
export class ObservabilityModule {}
