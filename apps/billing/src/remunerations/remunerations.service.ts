import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  BILLING_REMUNERATIONS,
  BillingOps,
  Cause,
  Clock,
  CLOCK,
  ConversationEventData,
  Outbox,
  Remuneration,
} from '@pupitre/shared';
import { remunerationEventId } from './domain/remuneration-event-id';
import { remunerationFor, RemunerationRates } from './domain/remuneration-for';
import { RemunerationsRepository } from './remunerations.repository';

export const REMUNERATION_RATES = Symbol('REMUNERATION_RATES');

/** Items listed at most; the total always covers the whole filter. */
const MAX_LISTED = 10_000;

/** R14: on every close, pay the author of the last agent message, exactly once, and tell finance. */
@Injectable()
export class RemunerationsService {
  constructor(
    private readonly repo: RemunerationsRepository,
    private readonly outbox: Outbox,
    @Inject(REMUNERATION_RATES) private readonly rates: RemunerationRates,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onClosed(
    closed: ConversationEventData<'conversation.closed'>,
    tx: EntityManager,
    cause: Cause,
  ): Promise<void> {
    const attribution = remunerationFor(
      { ...closed, closedAt: new Date(closed.closedAt), closeReason: closed.reason },
      this.rates,
    );
    if (!attribution) return;
    const remuneration: Remuneration = {
      eventId: remunerationEventId(attribution.conversationId),
      conversationId: attribution.conversationId,
      agentId: attribution.agentId,
      channel: attribution.channel,
      closedAt: attribution.closedAt.toISOString(),
      closeReason: attribution.closeReason,
      lastAgentMessageId: attribution.lastAgentMessageId,
      amountMinor: attribution.amountMinor,
      currency: attribution.currency,
      attributedAt: this.clock.now().toISOString(),
    };
    // The primary key on the conversation makes a second, different eventId impossible; rows written
    // before ids were derived keep their random one (insertOnce never rewrites a row).
    if (await this.repo.insertOnce(tx, remuneration)) {
      await this.outbox.add(tx, BILLING_REMUNERATIONS, remuneration.conversationId, remuneration, {
        correlationId: cause.correlationId,
        causationId: cause.eventId,
      });
    }
  }

  async list(
    d: BillingOps['remunerations.list']['in'],
    tx: EntityManager,
  ): Promise<BillingOps['remunerations.list']['out']> {
    const [from, to] = [d.from ? new Date(d.from) : null, d.to ? new Date(d.to) : null];
    const items = await this.repo.findClosedBetween(tx, d.agentId, from, to, MAX_LISTED);
    const amountMinor = await this.repo.totalClosedBetween(tx, d.agentId, from, to);
    return { items, total: { amountMinor, currency: this.rates.currency } };
  }
}
