import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Message, NOTIFICATIONS_PUSH, Outbox, OutboxEntry } from '@pupitre/shared';
import { liveSince, type PushRead, pushFor, targetOf } from './domain/push-notification';
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
    const target = await this.push.target(tx, visitorId, liveSince(now));
    const notification = pushFor(message, visitorId, target);
    if (notification) await this.outbox.add(tx, NOTIFICATIONS_PUSH, visitorId, notification);
  }

  /**
   * onAgentMessage's record for a target read earlier in the transaction (MessageReadAhead), for the
   * caller to write with the message; null when there is nothing to push.
   */
  entryFor(visitorId: string, message: Message, read: PushRead, now: Date): OutboxEntry | null {
    const notification = pushFor(message, visitorId, targetOf(read, now));
    return notification
      ? ({ topic: NOTIFICATIONS_PUSH, key: visitorId, value: notification } as OutboxEntry)
      : null;
  }
}
