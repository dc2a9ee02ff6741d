import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Message, NOTIFICATIONS_PUSH, Outbox, OutboxEntry } from '@pupitre/shared';
import { type PushRead, pushFor, targetOf } from './domain/push-notification';
import { PushRepository } from './push.repository';

/**
 * In the transaction that stores an agent message: one `notifications.push` record, through the
 * outbox, when the visitor has a push token and no connected socket on any live gateway instance.
 */
@Injectable()
export class PushNotifier {
  constructor(
    private readonly push: PushRepository,
    private readonly outbox: Outbox,
  ) {}

  async onAgentMessage(tx: EntityManager, visitorId: string, message: Message, now: Date): Promise<void> {
    if (message.author.type !== 'agent') return;
    const entry = this.entryFor(visitorId, message, await this.push.read(tx, visitorId), now);
    if (entry) await this.outbox.addAll(tx, [entry]);
  }

  /**
   * The `notifications.push` record of an agent's message for its visitor's push target as read (by
   * onAgentMessage, or earlier in the transaction by BatchReadAhead, for the caller to write with
   * the message); null when there is nothing to push.
   */
  entryFor(visitorId: string, message: Message, read: PushRead, now: Date): OutboxEntry | null {
    const notification = pushFor(message, visitorId, targetOf(read, now));
    return notification
      ? ({ topic: NOTIFICATIONS_PUSH, key: visitorId, value: notification } as OutboxEntry)
      : null;
  }
}
