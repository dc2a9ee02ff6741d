import {
  Controller,
  DynamicModule,
  Get,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
  Res,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KafkaServer } from '../kafka/kafka-server';
import { liveAnswer, metricsAnswer, StatusResponse } from './endpoints';
import { KafkaProbe } from './kafka-probe';
import type { OpsEnv } from './ops-env';
import { ServiceHealth } from './service-health';
import { ServiceMetrics } from './service-metrics';

export interface OpsOptions {
  server: KafkaServer;
  metrics: ServiceMetrics;
  probe: KafkaProbe;
  env: OpsEnv;
  /** Serve /health/live, /health/ready and /metrics (back-end services); the gateway serves its own. */
  routes: boolean;
}

const OPS_OPTIONS = Symbol('OPS_OPTIONS');

/** The back-end services' ops endpoints, on their OPS_PORT (README, Configuration; docs/operations.md). */
@Controller()
class OpsController {
  constructor(
    private readonly health: ServiceHealth,
    private readonly metrics: ServiceMetrics,
  ) {}

  @Get('health/live')
  live(@Res({ passthrough: true }) res: StatusResponse) {
    return liveAnswer(this.health, res);
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) res: StatusResponse) {
    const { ready, checks, reasons } = await this.health.ready();
    if (ready) return { status: 'ready', checks };
    res.status(503);
    res.setHeader('Retry-After', '1');
    return { status: 'not ready', checks, reasons };
  }

  @Get('metrics')
  scrape(@Res({ passthrough: true }) res: StatusResponse) {
    return metricsAnswer(this.metrics, res);
  }
}

@Injectable()
class OpsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(OPS_OPTIONS) private readonly o: OpsOptions) {}

  async onApplicationShutdown(): Promise<void> {
    await this.o.probe.close();
  }
}

/**
 * Health and metrics of one service instance, global so any feature can add its metrics
 * (inject ServiceMetrics) and the gateway can answer its own health routes (inject ServiceHealth).
 */
@Global()
@Module({})
export class OpsModule {
  static forService(o: OpsOptions): DynamicModule {
    return {
      module: OpsModule,
      controllers: o.routes ? [OpsController] : [],
      providers: [
        { provide: OPS_OPTIONS, useValue: o },
        { provide: ServiceMetrics, useValue: o.metrics },
        {
          provide: ServiceHealth,
          inject: [{ token: DataSource, optional: true }],
          useFactory: (dataSource?: DataSource) =>
            new ServiceHealth(o.server, o.probe, o.metrics, o.env, dataSource ?? null),
        },
        OpsLifecycle,
      ],
      exports: [ServiceMetrics, ServiceHealth],
    };
  }
}
