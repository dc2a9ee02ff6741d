export { ObservabilityModule } from './observability.module';
export { GatewayMetrics } from './gateway-metrics';
export type { SocketNamespace } from './gateway-metrics';
export { observeHttp, restoreLogContext } from './http-observer';
export { countDoorRefusals, countThreadProbes } from './door-refusals';
export type { DoorRefusalCounts } from './door-refusals';
export { routeOf, SOCKET_IO_ROUTE, UNMATCHED_ROUTE } from './route-of';
export type { RouteOf, RoutedApp } from './route-of';
