import { Module } from '@nestjs/common';
import { RoutingMetrics } from './routing-metrics';
import { RoutingMetricsRepository } from './routing-metrics.repository';

/** Routing's own metrics (queue, slots, deadlines due) on the service's /metrics. */
@Module({ providers: [RoutingMetricsRepository, RoutingMetrics] })
export class ObservabilityModule {}
