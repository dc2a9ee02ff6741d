import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import type { SentMessage } from './load';

const MOBILE_SLOTS = 2;

/** What the fault suite asserts, read from the services' own tables and the finance topic. */
export class Checks {
  readonly overCapacity: string[] = [];
  capacityPolls = 0;
  private poller: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly db: Pool,
    private readonly brokers: string[],
    private readonly prefix: string,
  ) {}

  /** Polls every agent's assigned conversations per channel against its capacity (R4, R5). */
  startCapacityPolls(intervalMs = 500): void {
    this.poller = setInterval(() => void this.pollCapacity(), intervalMs);
  }

  stopCapacityPolls(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  async pollCapacity(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { rows } = await this.db.query<{ agent_id: string; channel: string; n: number; cap: number }>(
        `SELECT r.agent_id, r.channel, count(*)::int AS n, a.chat_capacity AS cap
           FROM routing.routed_conversations r JOIN routing.agents a ON a.id = r.agent_id
          WHERE r.status = 'assigned' GROUP BY r.agent_id, r.channel, a.chat_capacity`,
      );
      this.capacityPolls++;
      for (const r of rows) {
        const capacity = r.channel === 'mobile_app' ? MOBILE_SLOTS : r.cap;
        if (r.n > capacity) this.overCapacity.push(`${r.agent_id} ${r.channel}: ${r.n} > ${capacity}`);
      }
    } catch {
      // routing's schema not there yet
    } finally {
      this.polling = false;
    }
  }

  /** Acknowledged visitor messages that conversation did not store. */
  async lost(acked: SentMessage[]): Promise<SentMessage[]> {
    const ids = acked.map((m) => m.messageId!);
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM conversation.messages WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const stored = new Set(rows.map((r) => r.id));
    return acked.filter((m) => !stored.has(m.messageId!));
  }

  /** Texts (visitor messages, agent replies) stored more than once. */
  async doubled(runId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ text: string; n: number }>(
      `SELECT text, count(*)::int AS n FROM conversation.messages
        WHERE text LIKE $1 OR text LIKE 'faults reply to %'
        GROUP BY text HAVING count(*) > 1`,
      [`faults ${runId} %`],
    );
    return rows.map((r) => `${r.text} ×${r.n}`);
  }

  /** Closed conversations with an agent message (R14: to be paid) that billing has not paid. */
  async unpaid(): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT c.id FROM conversation.conversations c
        WHERE c.status = 'closed' AND c.last_agent_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM billing.remunerations r WHERE r.conversation_id = c.id)`,
    );
    return rows.map((r) => r.id);
  }

  /** Of these conversations, whose close was acknowledged, those not closed by their agent. */
  async notClosed(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM unnest($1::uuid[]) AS a(id)
        WHERE NOT EXISTS (SELECT 1 FROM conversation.conversations c
                           WHERE c.id = a.id AND c.status = 'closed' AND c.close_reason = 'agent')`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** Conversations closed by their agent, acknowledged or not. */
  async closedByAgentCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM conversation.conversations WHERE status = 'closed' AND close_reason = 'agent'`,
    );
    return rows[0].n;
  }

  async paidCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM billing.remunerations',
    );
    return rows[0].n;
  }

  /** Consumer groups of this run that still have members (after a SIGTERM every member must have left). */
  async groupsWithMembers(): Promise<string[]> {
    const admin = new Kafka({
      clientId: 'faults-audit',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const ids = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(this.prefix));
      const { groups } = await admin.describeGroups(ids);
      return groups.filter((g) => g.members.length > 0).map((g) => `${g.groupId} (${g.members.length})`);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Reads the whole finance topic: conversations published with more than one eventId (paid twice),
   * and how many records and conversations it holds.
   */
  async financeTopic(): Promise<{ records: number; conversations: number; paidTwice: string[] }> {
    const kafka = new Kafka({ clientId: 'faults-audit', brokers: this.brokers, logLevel: logLevel.NOTHING });
    const topic = `${this.prefix}billing.remunerations`;
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const todo = new Map(ends.filter((p) => Number(p.high) > 0).map((p) => [p.partition, Number(p.high)]));
    const events = new Map<string, Set<string>>();
    let records = 0;
    if (todo.size > 0) {
      const consumer = kafka.consumer({ groupId: `${this.prefix}faults-audit-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('finance topic not read in 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            records++;
            const value = JSON.parse(message.value!.toString()) as {
              eventId: string;
              conversationId: string;
            };
            const ids = events.get(value.conversationId) ?? new Set<string>();
            ids.add(value.eventId);
            events.set(value.conversationId, ids);
            if (Number(message.offset) + 1 >= (todo.get(partition) ?? 0)) todo.delete(partition);
            if (todo.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await consumer.disconnect();
    }
    const paidTwice = [...events]
      .filter(([, ids]) => ids.size > 1)
      .map(([c, ids]) => `${c}: ${[...ids].join(', ')}`);
    return { records, conversations: events.size, paidTwice };
  }
}
