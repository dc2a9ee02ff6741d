import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { DEFAULT_RETRY_AFTER_SECONDS } from '../http';
import { ReadinessService } from './readiness.service';

interface StatusResponse {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

/** Liveness (the process answers) and readiness (the whole system is up and consuming). */
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'live' };
  }

  @Get('ready')
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
}
