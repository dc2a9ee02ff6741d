import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Remuneration } from '@pupitre/shared';

interface RemunerationRow {
  conversation_id: string;
  event_id: string;
  agent_id: string;
  channel: Remuneration['channel'];
  closed_at: Date;
  close_reason: Remuneration['closeReason'];
  last_agent_message_id: string;
  amount_minor: string;
  currency: string;
  attributed_at: Date;
}

const toRemuneration = (r: RemunerationRow): Remuneration => ({
  eventId: r.event_id,
  conversationId: r.conversation_id,
  agentId: r.agent_id,
  channel: r.channel,
  closedAt: r.closed_at.toISOString(),
  closeReason: r.close_reason,
  lastAgentMessageId: r.last_agent_message_id,
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  attributedAt: r.attributed_at.toISOString(),
});

const FILTER = `($1::uuid IS NULL OR agent_id = $1)
  AND ($2::timestamptz IS NULL OR closed_at >= $2)
  AND ($3::timestamptz IS NULL OR closed_at < $3)`;

@Injectable()
export class RemunerationsRepository {
  /** False when the conversation was already attributed (a replayed close). */
  async insertOnce(tx: EntityManager, r: Remuneration): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO remunerations (conversation_id, event_id, agent_id, channel, closed_at, close_reason,
                                  last_agent_message_id, amount_minor, currency, attributed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (conversation_id) DO NOTHING RETURNING 1`,
      [
        r.conversationId,
        r.eventId,
        r.agentId,
        r.channel,
        r.closedAt,
        r.closeReason,
        r.lastAgentMessageId,
        r.amountMinor,
        r.currency,
        r.attributedAt,
      ],
    );
    return rows.length === 1;
  }

  /** At most `limit` items, oldest close first. */
  async findClosedBetween(
    tx: EntityManager,
    agentId: string | null,
    from: Date | null,
    to: Date | null,
    limit: number,
  ): Promise<Remuneration[]> {
    const rows: RemunerationRow[] = await tx.query(
      `SELECT * FROM remunerations WHERE ${FILTER} ORDER BY closed_at, conversation_id LIMIT $4`,
      [agentId, from, to, limit],
    );
    return rows.map(toRemuneration);
  }

  /** The sum over the whole filter, however many items the list shows. */
  async totalClosedBetween(
    tx: EntityManager,
    agentId: string | null,
    from: Date | null,
    to: Date | null,
  ): Promise<number> {
    const rows: { total: string }[] = await tx.query(
      `SELECT COALESCE(sum(amount_minor), 0)::text AS total FROM remunerations WHERE ${FILTER}`,
      [agentId, from, to],
    );
    return Number(rows[0].total);
  }
}
