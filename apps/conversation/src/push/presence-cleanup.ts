import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '@pupitre/shared';
import {
  PRESENCE_CLEANUP_CHUNK,
  PRESENCE_CLEANUP_INTERVAL_MS,
  presenceCleanupCutoffs,
} from './domain/presence-cleanup';
import { PushRepository } from './push.repository';

export interface PresenceCleanupResult {
  idleRows: number;
  goneRows: number;
  instances: number;
}

/**
 * Keeps `visitor_presence` and `gateway_instances` bounded: every minute, deletes (at most
 * PRESENCE_CLEANUP_CHUNK of each per run) rows with 0 sockets long after their last report, and
 * instances silent long after they counted as gone, with their rows. Neither ever counted as a
 * connected socket, so no connected visitor looks absent after it. Safe in several instances.
 */
@Injectable()
export class PresenceCleanup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceCleanup.name);
  private readonly startedAt: Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly push: PushRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), PRESENCE_CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run; `runningSince` is when this process started (tests pass another). */
  async cleanOnce(
    now: Date,
    { runningSince = this.startedAt, chunk = PRESENCE_CLEANUP_CHUNK } = {},
  ): Promise<PresenceCleanupResult> {
    const { idleBefore, goneBefore } = presenceCleanupCutoffs(now, runningSince);
    const idleRows = await this.dataSource.transaction((tx) =>
      this.push.deleteIdlePresence(tx, idleBefore, chunk),
    );
    if (!goneBefore) return { idleRows, goneRows: 0, instances: 0 };
    const gone = await this.dataSource.transaction(async (tx) => {
      const silent = await this.push.lockSilentInstances(tx, goneBefore, chunk);
      if (silent.length === 0) return { goneRows: 0, instances: 0 };
      const goneRows = await this.push.deletePresenceOf(tx, silent, chunk);
      return { goneRows, instances: await this.push.deleteEmptyInstances(tx, silent) };
    });
    return { idleRows, ...gone };
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.cleanOnce(this.clock.now())
      .catch((err: Error) => this.logger.warn(`presence cleanup failed: ${err.message}`))
      .finally(() => (this.running = null));
  }
}
