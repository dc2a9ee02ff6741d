import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Channel, CHANNELS } from '@pupitre/shared';

/**
 * Every change that can raise an agent's slot count runs under its channel's transaction-scoped
 * advisory lock, taken before any row lock: with any number of routing instances, no agent goes
 * above capacity (R4, R5) and the lock order cannot deadlock.
 */
@Injectable()
export class ChannelLocks {
  async lock(tx: EntityManager, channel: Channel): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`routing.slots.${channel}`]);
  }

  /**
   * For a change of who is reachable (connect, disconnect, away): no matching round can be between
   * reading the reachable agents and assigning, so nobody receives a conversation as they leave.
   */
  async lockAll(tx: EntityManager): Promise<void> {
    for (const channel of CHANNELS) await this.lock(tx, channel);
  }
}
