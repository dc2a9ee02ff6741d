import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { metricsAnswer, ServiceHealth, ServiceMetrics, StatusResponse } from '@pupitre/shared';
import { HealthPath, healthAnswers } from './health-answers';
import { ReadinessService } from './readiness.service';

/**
 * The gateway's probes (healthAnswers says what each means) and `/metrics` for Prometheus. All
 * answered from memory: cheap under load, no Kafka round trip per probe. With HTTP_DOOR_THREAD the
 * door thread answers a GET of their exact paths itself from the copy this thread publishes
 * (http/door-health.ts); here come the others (HEAD, another case, a trailing slash), and all of them
 * before the first copy or once it is stale (this thread's loop stopped or far behind).
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
    return this.answer('/health/live', res);
  }

  @Get('health/ready')
  ready(@Res({ passthrough: true }) res: StatusResponse) {
    return this.answer('/health/ready', res);
  }

  @Get('health/ready/self')
  readySelf(@Res({ passthrough: true }) res: StatusResponse) {
    return this.answer('/health/ready/self', res);
  }

  @Get('metrics')
  @HttpCode(200)
  scrape(@Res({ passthrough: true }) res: StatusResponse) {
    return metricsAnswer(this.metrics, res);
  }

  private answer(path: HealthPath, res: StatusResponse): unknown {
    const { status, body, retryAfterSeconds } = healthAnswers(this.readiness, this.health)[path];
    if (status !== 200) res.status(status);
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    return body;
  }
}
