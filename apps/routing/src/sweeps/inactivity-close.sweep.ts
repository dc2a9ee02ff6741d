import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RoutedConversation, RoutedConversationsRepository } from '../conversations';
import { RoutingEventsEmitter } from '../events';

const BATCH = 100;

/**
 * R11 sweep: routing notices that a conversation's inactivity close is due and asks conversation to
 * close it (`conversation.close-due`); conversation checks again that the visitor stayed silent.
 */
@Injectable()
export class InactivityCloseSweep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly events: RoutingEventsEmitter,
  ) {}

  /** Returns how many closes were asked for. */
  async closeDue(now: Date): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const due = await this.routed.claimDueInactivityCloses(tx, now, BATCH);
      const noticed = due.map((c) => RoutedConversation.inactivityCloseDue(c, now));
      await this.routed.saveAll(
        tx,
        noticed.map((t) => t.state),
      );
      await this.events.emitMany(
        tx,
        noticed.map((t) => ({ key: t.state.conversationId, events: t.events, now })),
      );
      return noticed.length;
    });
  }
}
