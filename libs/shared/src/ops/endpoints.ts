import type { ServiceHealth } from './service-health';
import type { ServiceMetrics } from './service-metrics';

/** The part of Express's response the ops endpoints set (with Nest's `@Res({ passthrough: true })`). */
export interface StatusResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

/** `GET /health/live`, the same on every service and the gateway: the process and its consumer loop. */
export function liveAnswer(health: ServiceHealth, res: StatusResponse) {
  const live = health.live();
  if (live.live) return { status: 'live' };
  res.status(503);
  return { status: 'down', reason: live.reason };
}

/** `GET /metrics`: Prometheus' text exposition of the service's registry. */
export function metricsAnswer(metrics: ServiceMetrics, res: StatusResponse): Promise<string> {
  res.setHeader('Content-Type', metrics.contentType);
  return metrics.metrics();
}
