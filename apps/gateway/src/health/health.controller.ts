import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ReadinessService } from './readiness.service';

interface StatusResponse {
  status(code: number): unknown;
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
  async ready(@Res({ passthrough: true }) res: StatusResponse) {
    const { ready, services } = await this.readiness.check();
    if (ready) return { status: 'ready', services };
    res.status(503);
    const down = Object.entries(services)
      .filter(([, s]) => s === 'down')
      .map(([name]) => name);
    return { error: { code: 'UNAVAILABLE', message: `not ready: ${down.join(', ')}` }, services };
  }
}
