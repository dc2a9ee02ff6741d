import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '@pupitre/shared';

/** When each gateway instance was last heard of. */
@Injectable()
export class GatewayInstancesRepository {
  /** Records that the instance is alive at `at`; false when it was not known (new, or expired). */
  async touch(tx: EntityManager, gatewayInstance: string, at: Date): Promise<boolean> {
    const rows = await returningRows<{ inserted: boolean }>(
      tx,
      `INSERT INTO gateway_instances (gateway_instance, seen_at) VALUES ($1, $2)
       ON CONFLICT (gateway_instance) DO UPDATE SET seen_at = GREATEST(gateway_instances.seen_at, EXCLUDED.seen_at)
       RETURNING (xmax = 0) AS inserted`,
      [gatewayInstance, at],
    );
    return !rows[0].inserted;
  }

  async anySilentSince(tx: EntityManager, before: Date): Promise<boolean> {
    const rows: unknown[] = await tx.query('SELECT 1 FROM gateway_instances WHERE seen_at < $1 LIMIT 1', [
      before,
    ]);
    return rows.length > 0;
  }

  /** Forgets the instances silent since `before` (once, with any number of routing instances). */
  async expireSilentSince(
    tx: EntityManager,
    before: Date,
  ): Promise<{ gatewayInstance: string; seenAt: Date }[]> {
    const rows = await returningRows<{ gateway_instance: string; seen_at: Date }>(
      tx,
      'DELETE FROM gateway_instances WHERE seen_at < $1 RETURNING gateway_instance, seen_at',
      [before],
    );
    return rows.map((r) => ({ gatewayInstance: r.gateway_instance, seenAt: r.seen_at }));
  }
}
