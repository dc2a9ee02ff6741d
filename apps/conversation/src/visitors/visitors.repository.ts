import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Channel, Platform } from '@pupitre/shared';

export interface VisitorRow {
  id: string;
  channel: Channel;
  name: string | null;
  platform: Platform | null;
  blocked_at: Date | null;
}

/** The `visitors` table, one method per intent. */
@Injectable()
export class VisitorsRepository {
  async insert(
    tx: EntityManager,
    v: { id: string; channel: Channel; name: string | null; platform: Platform | null; at: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO visitors (id, channel, name, platform, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [v.id, v.channel, v.name, v.platform, v.at],
    );
  }

  async block(tx: EntityManager, id: string, at: Date): Promise<void> {
    await tx.query('UPDATE visitors SET blocked_at = COALESCE(blocked_at, $2) WHERE id = $1', [id, at]);
  }

  async findMany(tx: EntityManager, ids: string[]): Promise<Map<string, VisitorRow>> {
    const rows: VisitorRow[] = await tx.query('SELECT * FROM visitors WHERE id = ANY($1::uuid[])', [ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }
}
