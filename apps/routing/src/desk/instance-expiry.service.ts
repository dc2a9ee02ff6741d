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

  private firstSweep: number | null = null;

  /**
   * Returns the instances expired. Cheap when there are none: no lock is taken. Nothing expires until
   * this routing instance has run for the TTL itself: after routing was down, the gateways' beats
   * of that time were never heard, which says nothing about them.
   */
  async expireSilent(now: Date): Promise<string[]> {
    this.firstSweep ??= now.getTime();
    if (now.getTime() - this.firstSweep < this.config.DESK_INSTANCE_TTL_MS) return [];
    const before = new Date(now.getTime() - this.config.DESK_INSTANCE_TTL_MS);
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
