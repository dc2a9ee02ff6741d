import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Cause, Channel, QUEUE_SNAPSHOT_MAX, returningRows } from '@pupitre/shared';
import { RoutingEventsEmitter } from '../events';
import { recordAssignments, secondsPerAssignment } from '../queue';

interface ChannelQueueRow {
  version: string;
  digest: string | null;
  recent_assignments: Date[];
}

/**
 * Publishes a channel's queue as it stands after a matching round (`queue.changed`, key = channel),
 * when it differs from what was last published: the head in order with each conversation's visitor,
 * and the mean time between recent assignments. Every change of a queue triggers a round (and the
 * sweeper runs one per channel every SWEEP_INTERVAL_MS), so the snapshot follows the queue, coalesced
 * per round. The caller holds the channel lock: versions follow commit order.
 */
@Injectable()
export class QueueSnapshotPublisher {
  constructor(private readonly events: RoutingEventsEmitter) {}

  /**
   * The next round of each channel publishes its queue even if unchanged (a gateway started and
   * knows none). The caller holds both channel locks.
   */
  async republish(tx: EntityManager): Promise<void> {
    await tx.query('UPDATE channel_queues SET digest = NULL');
  }

  async publishIfChanged(
    tx: EntityManager,
    channel: Channel,
    queued: { conversationId: string; visitorId?: string | null }[],
    assigned: number,
    now: Date,
    cause?: Cause,
  ): Promise<void> {
    const head = queued.slice(0, QUEUE_SNAPSHOT_MAX);
    const digest = createHash('sha1')
      .update(head.map((q) => q.conversationId).join(','))
      .digest('base64');
    const rows: ChannelQueueRow[] = await tx.query(
      'SELECT version, digest, recent_assignments FROM channel_queues WHERE channel = $1',
      [channel],
    );
    const row = rows[0];
    if (!row || (row.digest === digest && assigned === 0)) return;
    const recent = recordAssignments(
      row.recent_assignments.map((d) => new Date(d)),
      Array.from({ length: assigned }, () => now),
    );
    const updated = await returningRows<{ version: string }>(
      tx,
      `UPDATE channel_queues SET version = version + 1, digest = $2, recent_assignments = $3::timestamptz[]
        WHERE channel = $1 RETURNING version`,
      [channel, digest, recent.map((d) => d.toISOString())],
    );
    const spa = secondsPerAssignment(recent, now);
    await this.events.emit(
      tx,
      channel,
      'queue.changed',
      {
        channel,
        version: Number(updated[0].version),
        queued: head.map((q) => ({ conversationId: q.conversationId, visitorId: q.visitorId ?? null })),
        ...(spa === undefined ? {} : { secondsPerAssignment: Math.round(spa * 1000) / 1000 }),
      },
      now,
      cause,
    );
  }
}
