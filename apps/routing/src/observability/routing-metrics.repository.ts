import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Channel } from '@pupitre/shared';

export interface RoutingFigures {
  queued: Record<Channel, number>;
  assigned: Record<Channel, number>;
  capacity: Record<Channel, number>;
  due: { reassign: number; close: number };
  /** How long the oldest deadline past due has waited to be acted on (seconds; 0 when none is due). */
  overdue: { reassign: number; close: number };
  /** Conversations marked for their deadlines to be published (DeadlinePublicationSweep, at every sweep). */
  unpublished: number;
}

/**
 * The figures behind routing's gauges, each from an indexed query (the queue, slots, due deadlines,
 * the partial index of marked conversations).
 */
@Injectable()
export class RoutingMetricsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async figures(mobileSlots: number): Promise<RoutingFigures> {
    const byChannel = async (status: 'queued' | 'assigned') => {
      const rows: { channel: Channel; n: number }[] = await this.dataSource.query(
        `SELECT channel, count(*)::int AS n FROM routed_conversations WHERE status = $1 GROUP BY channel`,
        [status],
      );
      const counts: Record<Channel, number> = { mobile_app: 0, web_chat: 0 };
      for (const r of rows) counts[r.channel] = r.n;
      return counts;
    };
    const [available]: { agents: number; chat: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS agents, COALESCE(sum(chat_capacity), 0)::int AS chat FROM agents a
        WHERE NOT away AND EXISTS (SELECT 1 FROM agent_connections c WHERE c.agent_id = a.id)`,
    );
    // The due rows of each deadline are read once: their count, and the age of the oldest of them.
    const [f]: {
      reassign: number;
      reassign_overdue: number;
      close: number;
      close_overdue: number;
      unpublished: number;
    }[] = await this.dataSource.query(
      `SELECT r.n AS reassign, r.overdue AS reassign_overdue, c.n AS close, c.overdue AS close_overdue,
              (SELECT count(*)::int FROM routed_conversations WHERE deadlines_unpublished) AS unpublished
         FROM (SELECT count(*)::int AS n,
                      COALESCE(EXTRACT(EPOCH FROM now() - min(reassign_at)), 0)::float8 AS overdue
                 FROM routed_conversations
                WHERE reassign_minute <= (now() AT TIME ZONE 'UTC') AND reassign_at <= now()) r,
              (SELECT count(*)::int AS n,
                      COALESCE(EXTRACT(EPOCH FROM now() - min(close_at)), 0)::float8 AS overdue
                 FROM routed_conversations
                WHERE close_minute <= (now() AT TIME ZONE 'UTC') AND close_at <= now()) c`,
    );
    return {
      queued: await byChannel('queued'),
      assigned: await byChannel('assigned'),
      capacity: { mobile_app: available.agents * mobileSlots, web_chat: available.chat },
      due: { reassign: f.reassign, close: f.close },
      overdue: { reassign: f.reassign_overdue, close: f.close_overdue },
      unpublished: f.unpublished,
    };
  }
}
