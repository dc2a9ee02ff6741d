import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentsRepository } from '../agents';
import { ChannelLocks } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { GatewayInstancesRepository } from './gateway-instances.repository';

/**
 * A gateway instance that died without stopping (kill -9, host gone, cut off) never says its desks
 * are gone: once it has been silent for DESK_INSTANCE_TTL_MS, its desk connections are dropped, so its
 * agents stop being available (reading "Disconnect": they keep their conversations).
 */
@Injectable()
export class InstanceExpiry {
  private readonly logger = new Logger(InstanceExpiry.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: GatewayInstancesRepository,
    private readonly agents: AgentsRepository,
    private readonly locks: ChannelLocks,
    @Inject(ROUTING_CONFIG) private readonly config: Pick<RoutingConfig, 'DESK_INSTANCE_TTL_MS'>,
  ) {}

  /** When this routing instance last began to listen: its start, or its return from a pause. */
  private listeningSince: number | null = null;
  private lastSweep: number | null = null;

  /**
   * Returns the instances expired. Cheap when there are none: no lock is taken. Nothing expires until
   * this routing instance has listened for the TTL itself: after routing was down, the gateways' beats
   * of that time were never heard, which says nothing about them. The same after a pause: a sweep
   * that comes more than half the TTL after the last one finds that routing, or the database it
   * waits on, stood still meanwhile, and the beats of that time may still wait to be read (a stall of
   * about 8 s under a loaded test run dropped a beating instance's desks, its beats queued behind
   * the sweep).
   */
  async expireSilent(now: Date): Promise<string[]> {
    const ttl = this.config.DESK_INSTANCE_TTL_MS;
    const t = now.getTime();
    if (this.lastSweep === null || t - this.lastSweep > ttl / 2) this.listeningSince = t;
    this.lastSweep = t;
    if (t - (this.listeningSince ?? t) < ttl) return [];
    const before = new Date(t - ttl);
    if (!(await this.instances.anySilentSince(this.dataSource.manager, before))) return [];
    return this.dataSource.transaction(async (tx) => {
      // As for any change of who is reachable: no matching round between reading agents and assigning.
      await this.locks.lockAll(tx);
      const expired = await this.instances.expireSilentSince(tx, before);
      for (const { gatewayInstance, seenAt } of expired) {
        const agents = await this.agents.removeConnectionsOf(tx, gatewayInstance);
        this.logger.warn(
          `gateway instance ${gatewayInstance} silent since ${seenAt.toISOString()}: ` +
            `its desk connections are dropped (${agents.length} agent(s))`,
        );
      }
      return expired.map((e) => e.gatewayInstance);
    });
  }
}
