export { ObservabilityModule } from './observability.module';
export { GatewayMetrics } from './gateway-metrics';
export type { SocketNamespace } from './gateway-metrics';
export { correlationIdOf, observeHttp, restoreLogContext } from './http-observer';
