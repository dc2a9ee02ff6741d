import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Platform } from '@pupitre/shared';
import type { PushRead } from './domain/push-notification';

/** Push tokens (on `visitors`) and visitor socket presence per gateway instance, one method per intent. */
@Injectable()
export class PushRepository {
  async setToken(tx: EntityManager, visitorId: string, platform: Platform, token: string, at: Date) {
    await tx.query(
      'UPDATE visitors SET push_token = $2, push_platform = $3, push_token_at = $4 WHERE id = $1',
      [visitorId, token, platform, at],
    );
  }

  async clearToken(tx: EntityManager, visitorId: string): Promise<void> {
    await tx.query(
      'UPDATE visitors SET push_token = NULL, push_platform = NULL, push_token_at = NULL WHERE id = $1',
      [visitorId],
    );
  }

  /** A gateway instance's count of a visitor's sockets; an older report (lower seq) never overwrites a newer one. */
  async reportPresence(
    tx: EntityManager,
    p: { visitorId: string; gatewayInstance: string; sockets: number; seq: number },
    at: Date,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO visitor_presence (visitor_id, gateway_instance, sockets, seq, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (visitor_id, gateway_instance) DO UPDATE
         SET sockets = EXCLUDED.sockets, seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at
         WHERE visitor_presence.seq < EXCLUDED.seq`,
      [p.visitorId, p.gatewayInstance, p.sockets, p.seq, at],
    );
  }

  async heartbeat(tx: EntityManager, gatewayInstance: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO gateway_instances (instance, seen_at) VALUES ($1, $2)
       ON CONFLICT (instance) DO UPDATE SET seen_at = GREATEST(gateway_instances.seen_at, EXCLUDED.seen_at)`,
      [gatewayInstance, at],
    );
  }

  /** Forgets what an instance reported before `seq` (it restarted or stops). */
  async resetInstance(tx: EntityManager, gatewayInstance: string, seq: number): Promise<void> {
    await tx.query('DELETE FROM visitor_presence WHERE gateway_instance = $1 AND seq < $2', [
      gatewayInstance,
      seq,
    ]);
  }

  /**
   * Deletes up to `limit` rows with 0 sockets last reported before `before`; returns how many. The
   * condition is on the deleted row itself, so a row a report has just raised above 0 stays.
   */
  async deleteIdlePresence(tx: EntityManager, before: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await tx.query(
      `DELETE FROM visitor_presence p
        WHERE p.sockets = 0 AND p.updated_at < $1
          AND (p.visitor_id, p.gateway_instance) IN (
            SELECT visitor_id, gateway_instance FROM visitor_presence
             WHERE sockets = 0 AND updated_at < $1 LIMIT $2)`,
      [before, limit],
    );
    return count;
  }

  /**
   * Up to `limit` instances last heard before `before`, locked until the transaction ends: a heartbeat
   * (also the first step of every presence report) of one of them waits, then finds it deleted and
   * starts afresh.
   */
  async lockSilentInstances(tx: EntityManager, before: Date, limit: number): Promise<string[]> {
    const rows: { instance: string }[] = await tx.query(
      `SELECT instance FROM gateway_instances WHERE seen_at < $1
        ORDER BY seen_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [before, limit],
    );
    return rows.map((r) => r.instance);
  }

  /** Deletes up to `limit` presence rows of these instances; returns how many. */
  async deletePresenceOf(tx: EntityManager, instances: string[], limit: number): Promise<number> {
    const [, count]: [unknown, number] = await tx.query(
      `DELETE FROM visitor_presence
        WHERE (visitor_id, gateway_instance) IN (
          SELECT visitor_id, gateway_instance FROM visitor_presence
           WHERE gateway_instance = ANY($1) LIMIT $2)`,
      [instances, limit],
    );
    return count;
  }

  /** Deletes those of these instances that have no presence row left; returns how many. */
  async deleteEmptyInstances(tx: EntityManager, instances: string[]): Promise<number> {
    const [, count]: [unknown, number] = await tx.query(
      `DELETE FROM gateway_instances g
        WHERE g.instance = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM visitor_presence p WHERE p.gateway_instance = g.instance)`,
      [instances],
    );
    return count;
  }

  /**
   * The visitor's push token, and the latest heartbeat of a gateway instance holding a socket of
   * theirs (targetOf applies the clock).
   */
  async read(tx: EntityManager, visitorId: string): Promise<PushRead> {
    const rows: {
      push_token: string | null;
      push_platform: Platform | null;
      presence_seen_at: Date | null;
    }[] = await tx.query(
      `SELECT v.push_token, v.push_platform, ${presenceSeenAt('v.id')} AS presence_seen_at
           FROM visitors v WHERE v.id = $1`,
      [visitorId],
    );
    const r = rows[0];
    return {
      pushToken: r?.push_token ?? null,
      platform: r?.push_platform ?? null,
      presenceSeenAt: r?.presence_seen_at ?? null,
    };
  }
}

/**
 * SQL: the latest heartbeat among the gateway instances that report a socket of the visitor whose id
 * is `visitorId` (a column), null when none does; whether that is recent enough is targetOf's rule.
 */
export const presenceSeenAt = (visitorId: string): string =>
  `(SELECT max(g.seen_at) FROM visitor_presence pr
      JOIN gateway_instances g ON g.instance = pr.gateway_instance
     WHERE pr.visitor_id = ${visitorId} AND pr.sockets > 0)`;
