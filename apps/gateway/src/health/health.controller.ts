import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { liveAnswer, metricsAnswer, ServiceHealth, ServiceMetrics, StatusResponse } from '@pupitre/shared';
import { DEFAULT_RETRY_AFTER_SECONDS } from '../http';
import { ReadinessService } from './readiness.service';

/**
 * - `/health/live`: this gateway's consumer loop is alive (k8s liveness: restart it when not).
 * - `/health/ready`: the whole system is up and consuming (`npm start`, outside tests, smoke checks).
 * - `/health/ready/self`: this one gateway can serve — its consumer in its group and its reply path
 *   working through the broker (a load balancer's check, k8s readiness): it stays 200 while one
 *   service is down, so a balancer does not drop every gateway because billing is.
 * - `/metrics`: Prometheus.
 * All answered from memory: cheap under load, no Kafka round trip per probe.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly health: ServiceHealth,
    private readonly metrics: ServiceMetrics,
  ) {}

  @Get('health/live')
  live(@Res({ passthrough: true }) res: StatusResponse) {
    return liveAnswer(this.health, res);
  }

  @Get('health/ready')
  ready(@Res({ passthrough: true }) res: StatusResponse) {
    const { ready, services } = this.readiness.check();
    if (ready) return { status: 'ready', services };
    res.status(503);
    res.setHeader('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
    const down = Object.entries(services)
      .filter(([, s]) => s === 'down')
      .map(([name]) => name);
    return { error: { code: 'UNAVAILABLE', message: `not ready: ${down.join(', ')}` }, services };
  }

  @Get('health/ready/self')
  readySelf(@Res({ passthrough: true }) res: StatusResponse) {
    const self = this.readiness.checkSelf(this.health.live());
    if (self.ready) return { status: 'ready', checks: self.checks };
    res.status(503);
    res.setHeader('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
    return {
      error: { code: 'UNAVAILABLE', message: `not ready: ${self.reasons.join('; ')}` },
      checks: self.checks,
    };
  }

  @Get('metrics')
  @HttpCode(200)
  scrape(@Res({ passthrough: true }) res: StatusResponse) {
    return metricsAnswer(this.metrics, res);
  }
}
