import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock, CLOCK } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { StartupBacklogGate } from './startup-backlog.gate';
import { SweepsService } from './sweeps.service';

/** Only the tick: never overlaps itself, and stops with the app. */
@Injectable()
export class RoutingSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private running: Promise<void> | null = null;

  constructor(
    private readonly sweeps: SweepsService,
    private readonly gate: StartupBacklogGate,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      'routing-sweep',
      setInterval(() => this.tick(), this.config.SWEEP_INTERVAL_MS),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // ScheduleModule may have cleared its intervals first on shutdown.
    if (this.scheduler.doesExist('interval', 'routing-sweep')) this.scheduler.deleteInterval('routing-sweep');
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweepOnce().finally(() => (this.running = null));
  }

  private async sweepOnce(): Promise<void> {
    const now = this.clock.now();
    await this.sweeps.sweep(now, { deadlines: await this.gate.isOpen(now) });
  }
}
