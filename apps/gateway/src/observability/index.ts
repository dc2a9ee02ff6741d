export { ObservabilityModule } from './observability.module';
export { GatewayMetrics } from './gateway-metrics';
export type { SocketNamespace } from './gateway-metrics';
export { observeHttp, restoreLogContext } from './http-observer';
