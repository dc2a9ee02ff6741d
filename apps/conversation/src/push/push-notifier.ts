import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Message, NOTIFICATIONS_PUSH, Outbox } from '@pupitre/shared';
import { liveSince, pushFor } from './domain/push-notification';
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
}
