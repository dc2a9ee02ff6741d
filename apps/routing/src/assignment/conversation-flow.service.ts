import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  AfterCommit,
  Cause,
  Channel,
  ConversationEvent,
  DomainError,
  isFeatureAvailable,
  RoutingOps,
} from '@pupitre/shared';
import { AgentsRepository, statusOf } from '../agents/agents.repository';
import { deadlinesDto, RoutingEventsEmitter } from '../events/routing-events.emitter';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../routing.config';
import { AssignmentService } from './assignment.service';
import { exclusionEnds } from './domain/exclusion';
import { releaseOutcome, statusAfterVisitorMessage } from './domain/release';
import { RoutedConversationsRepository, RoutedRow } from './routed-conversations.repository';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];

/** How each conversation moves between queue, desk and release (R6–R8), and what follows a close. */
@Injectable()
export class ConversationFlowService {
  constructor(
    private readonly routed: RoutedConversationsRepository,
    private readonly agents: AgentsRepository,
    private readonly assignment: AssignmentService,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  async onConversationEvent(
    e: ConversationEvent,
    tx: EntityManager,
    afterCommit: AfterCommit,
  ): Promise<void> {
    const now = new Date(e.occurredAt);
    switch (e.type) {
      case 'conversation.opened':
        if (await this.routed.insertQueued(tx, e.data.conversationId, e.data.channel, now)) {
          await this.queued(tx, e.data.conversationId, e.data.channel, now, e, afterCommit);
        }
        return;
      case 'message.posted':
        return this.onMessage(e, tx, afterCommit);
      case 'conversation.closed':
        return this.onClosed(e.data.conversationId, tx, now, e, afterCommit);
      default:
        return;
    }
  }

  private async onMessage(
    e: Extract<ConversationEvent, { type: 'message.posted' }>,
    tx: EntityManager,
    afterCommit: AfterCommit,
  ) {
    const row = await this.routed.find(tx, e.data.conversationId, true);
    if (!row) throw new Error(`message for unknown conversation ${e.data.conversationId}`);
    if (row.status === 'closed') return;
    const at = new Date(e.data.message.createdAt);
    const author = e.data.message.author.type;
    row.last_author = author;
    let requeued = false;
    if (author === 'visitor') {
      row.last_visitor_message_at = at;
      if (statusAfterVisitorMessage(row.status) === 'queued' && row.status !== 'queued') {
        row.status = 'queued'; // R8: the released conversation goes back to the queue
        row.queued_at = at;
        requeued = true;
      }
    } else {
      row.has_agent_message = true;
      row.last_agent_message_at = at;
    }
    const due = this.assignment.refreshDeadlines(row);
    await this.routed.save(tx, row);
    if (requeued) {
      await this.queued(tx, row.conversation_id, row.channel, at, e, afterCommit);
    }
    if (due.changed) {
      await this.events.emit(
        tx,
        row.conversation_id,
        'conversation.deadlines-changed',
        {
          conversationId: row.conversation_id,
          agentId: row.agent_id,
          deadlines: deadlinesDto(due),
        },
        at,
        e,
      );
    }
  }

  private async onClosed(id: string, tx: EntityManager, now: Date, cause: Cause, afterCommit: AfterCommit) {
    const row = await this.routed.find(tx, id, true);
    if (!row || row.status === 'closed') return;
    const holder = row.agent_id;
    Object.assign(row, {
      status: 'closed',
      agent_id: null,
      queued_at: null,
      exclude_agent_id: null,
      exclude_until: null,
    });
    this.assignment.refreshDeadlines(row);
    await this.routed.save(tx, row);
    if (holder) {
      await this.events.slotsChanged(tx, holder, now, cause);
      afterCommit(() => this.assignment.kick([row.channel]));
    }
  }

  /** R6–R8: the slot is freed at once; R7 back to the queue, R8 waits for the visitor. */
  async release(d: In<'conversation.release'>, tx: EntityManager, now: Date, cause: Cause) {
    const row = await this.heldBy(tx, d.agentId, d.conversationId);
    const outcome = releaseOutcome(row.last_author);
    Object.assign(row, {
      status: outcome,
      agent_id: null,
      assigned_at: null,
      queued_at: outcome === 'queued' ? now : null,
    });
    if (outcome === 'queued') {
      row.exclude_agent_id = d.agentId; // R7: to someone else first, if someone is free now
      row.exclude_until = exclusionEnds('released', now, timeoutsOf(this.config));
    }
    this.assignment.refreshDeadlines(row);
    await this.routed.save(tx, row);
    await this.events.emit(
      tx,
      row.conversation_id,
      'conversation.unassigned',
      {
        conversationId: row.conversation_id,
        channel: row.channel,
        agentId: d.agentId,
        reason: 'released',
        next: outcome,
      },
      now,
      cause,
    );
    await this.events.slotsChanged(tx, d.agentId, now, cause);
    if (outcome === 'queued') {
      await this.events.emit(
        tx,
        row.conversation_id,
        'conversation.queued',
        {
          conversationId: row.conversation_id,
          channel: row.channel,
          queuedAt: now.toISOString(),
        },
        now,
        cause,
      );
      await this.assignment.assignPendingLocked(tx, row.channel, now, cause);
    }
  }

  /** R3: web chat only; the target must be available with a free chat slot. */
  async transfer(d: In<'conversation.transfer'>, tx: EntityManager, now: Date, cause: Cause) {
    const row = await this.heldBy(tx, d.agentId, d.conversationId);
    if (!isFeatureAvailable(row.channel, 'transfer')) {
      throw new DomainError(
        'FEATURE_UNAVAILABLE_ON_CHANNEL',
        'transfer is not available on mobile_app conversations',
      );
    }
    if (d.toAgentId === d.agentId)
      throw new DomainError('VALIDATION_FAILED', 'toAgentId: cannot transfer to yourself');
    const target = await this.agents.find(tx, d.toAgentId);
    if (!target) throw new DomainError('NOT_FOUND', 'no such agent');
    if (statusOf(target) !== 'available' || target.chat_used >= target.chat_capacity) {
      throw new DomainError('CONFLICT', 'the target agent is not available or has no free chat slot');
    }
    Object.assign(row, { agent_id: d.toAgentId, assigned_at: now });
    await this.events.emit(
      tx,
      row.conversation_id,
      'conversation.unassigned',
      {
        conversationId: row.conversation_id,
        channel: row.channel,
        agentId: d.agentId,
        reason: 'transferred',
        next: 'transferred',
      },
      now,
      cause,
    );
    await this.assignment.startClock(tx, row, cause, now, `transferred by agent ${d.agentId}`);
    await this.agents.touchAssigned(tx, [d.toAgentId], now);
    for (const id of [d.agentId, d.toAgentId]) await this.events.slotsChanged(tx, id, now, cause);
  }

  /** Takes the channel lock first (lock order), then the row; FORBIDDEN unless this agent holds it. */
  private async heldBy(tx: EntityManager, agentId: string, conversationId: string): Promise<RoutedRow> {
    const peek = await this.routed.find(tx, conversationId);
    if (!peek) throw new DomainError('NOT_FOUND', 'no such conversation');
    await this.assignment.lockChannel(tx, peek.channel);
    const row = (await this.routed.find(tx, conversationId, true))!;
    if (row.status !== 'assigned' || row.agent_id !== agentId) {
      throw new DomainError('FORBIDDEN', 'this conversation is not assigned to you');
    }
    return row;
  }

  private async queued(
    tx: EntityManager,
    id: string,
    channel: Channel,
    at: Date,
    cause: Cause,
    afterCommit: AfterCommit,
  ) {
    await this.events.emit(
      tx,
      id,
      'conversation.queued',
      { conversationId: id, channel, queuedAt: at.toISOString() },
      at,
      cause,
    );
    afterCommit(() => this.assignment.kick([channel]));
  }
}
