import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CarriedInbox, Channel, returningRows, queryPrepared, Statement } from '@pupitre/shared';
import type { ReassignReason, RoutingStatus } from './domain/deadlines';
import type { RoutedConversation } from './domain/routed-conversation';

interface RoutedRow {
  conversation_id: string;
  visitor_id?: string | null;
  channel: Channel;
  status: RoutingStatus;
  agent_id: string | null;
  queued_at: Date | null;
  assigned_at: Date | null;
  exclude_agent_id: string | null;
  exclude_until: Date | null;
  has_agent_message: boolean;
  last_author: 'visitor' | 'agent' | null;
  last_visitor_message_at: Date | null;
  last_agent_message_at: Date | null;
  reassign_at: Date | null;
  reassign_reason: ReassignReason | null;
  close_at: Date | null;
  /** Counts the versioned events published about it (RoutingEventsEmitter). */
  event_version?: string;
}

/** What `saveStatement` returns for each row. */
interface SavedRow {
  key: string;
  event_version: string;
}

/**
 * The columns of a RoutedRow and its event counter, named: a statement that lists them can be
 * prepared (a `*` cannot, database/prepared.ts).
 */
const ROUTED_COLUMNS = [
  'conversation_id',
  'visitor_id',
  'channel',
  'status',
  'agent_id',
  'queued_at',
  'assigned_at',
  'exclude_agent_id',
  'exclude_until',
  'has_agent_message',
  'last_author',
  'last_visitor_message_at',
  'last_agent_message_at',
  'reassign_at',
  'reassign_reason',
  'close_at',
  'event_version',
] as const satisfies readonly (keyof RoutedRow)[];

/** A conversation as locked, with its event counter then: nothing else changes it until commit. */
export interface LockedConversation {
  state: RoutedConversation;
  eventVersion: number;
}

const toLocked = (r: RoutedRow): LockedConversation => ({
  state: toState(r),
  eventVersion: Number(r.event_version ?? 0),
});

const toState = (r: RoutedRow): RoutedConversation => ({
  conversationId: r.conversation_id,
  visitorId: r.visitor_id ?? null,
  channel: r.channel,
  status: r.status,
  agentId: r.agent_id,
  queuedAt: r.queued_at,
  assignedAt: r.assigned_at,
  excludeAgentId: r.exclude_agent_id,
  excludeUntil: r.exclude_until,
  hasAgentMessage: r.has_agent_message,
  lastAuthor: r.last_author,
  lastVisitorMessageAt: r.last_visitor_message_at,
  lastAgentMessageAt: r.last_agent_message_at,
  reassignAt: r.reassign_at,
  reassignReason: r.reassign_reason,
  closeAt: r.close_at,
});

const toRow = (c: RoutedConversation): RoutedRow => ({
  conversation_id: c.conversationId,
  channel: c.channel,
  status: c.status,
  agent_id: c.agentId,
  queued_at: c.queuedAt,
  assigned_at: c.assignedAt,
  exclude_agent_id: c.excludeAgentId,
  exclude_until: c.excludeUntil,
  has_agent_message: c.hasAgentMessage,
  last_author: c.lastAuthor,
  last_visitor_message_at: c.lastVisitorMessageAt,
  last_agent_message_at: c.lastAgentMessageAt,
  reassign_at: c.reassignAt,
  reassign_reason: c.reassignReason,
  close_at: c.closeAt,
});

/**
 * Load and save of routing's conversations, and the indexed queries that find what is queued or due.
 * The claims are conditional updates that lock the rows they return, so two instances never act on
 * the same one; what happens to a claimed row is the aggregate's decision, written by saveAll.
 */
@Injectable()
export class RoutedConversationsRepository {
  /** False when it was already there (a redelivered opening). */
  async insert(tx: EntityManager, c: RoutedConversation): Promise<boolean> {
    const rows: unknown[] = await queryPrepared(
      tx,
      `INSERT INTO routed_conversations (conversation_id, channel, status, queued_at, visitor_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id) DO NOTHING RETURNING 1`,
      [c.conversationId, c.channel, c.status, c.queuedAt, c.visitorId ?? null],
    );
    return rows.length === 1;
  }

  async find(tx: EntityManager, id: string, lock = false): Promise<RoutedConversation | null> {
    const row = await this.row(tx, id, lock);
    return row ? toState(row) : null;
  }

  /** The conversation and its event counter, locked; null when there is no such row. */
  async lock(tx: EntityManager, id: string): Promise<LockedConversation | null> {
    const row = await this.row(tx, id, true);
    return row ? toLocked(row) : null;
  }

  private async row(tx: EntityManager, id: string, lock: boolean): Promise<RoutedRow | null> {
    const rows: RoutedRow[] = await queryPrepared(
      tx,
      `SELECT * FROM routed_conversations WHERE conversation_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Those of `ids` that exist, locked in one statement in id order: the order a batch of events
   * takes them in (its events are applied in the order of their keys, the conversation ids). With
   * `inbox`, the batch's inbox insert runs first in the same statement (CarriedInbox).
   */
  async lockAll(
    tx: EntityManager,
    ids: string[],
    inbox: CarriedInbox | null = null,
  ): Promise<LockedConversation[]> {
    if (ids.length === 0 && !inbox) return [];
    const select: Statement = {
      sql: `SELECT ${ROUTED_COLUMNS.join(', ')} FROM routed_conversations WHERE conversation_id = ANY($1::uuid[])
             ORDER BY conversation_id FOR UPDATE`,
      params: [[...new Set(ids)]],
    };
    if (!inbox) return (await queryPrepared<RoutedRow[]>(tx, select.sql, select.params)).map(toLocked);
    const carried = inbox.wrap(select, ROUTED_COLUMNS);
    const rows = inbox.rowsOf(
      await queryPrepared<RoutedRow[]>(tx, carried.sql, carried.params),
      (r) => !!r.conversation_id,
    );
    return rows.map(toLocked);
  }

  async save(tx: EntityManager, c: RoutedConversation): Promise<void> {
    await this.saveAll(tx, [c]);
  }

  /**
   * Writes the whole mutable state of many conversations in one statement. `bumps`: what to add to
   * some of their event counters in the same write (RoutingEventsEmitter.versionCounts), one row
   * version instead of two; returns the counters after it, by conversation id.
   */
  async saveAll(
    tx: EntityManager,
    all: RoutedConversation[],
    bumps: ReadonlyMap<string, number> = new Map(),
  ): Promise<Map<string, number>> {
    if (all.length === 0) return new Map();
    const save = this.saveStatement(all, bumps);
    return this.bumpedBy(all, bumps, await returningRows<SavedRow>(tx, save.sql, save.params));
  }

  /**
   * The write of `saveAll`, for a caller that runs it with more in the same statement (its events:
   * RoutingEventsEmitter.emitWith). It returns each row's `key` and `event_version`.
   */
  saveStatement(all: RoutedConversation[], bumps: ReadonlyMap<string, number> = new Map()): Statement {
    return {
      sql: `UPDATE routed_conversations r
          SET status = v.status, agent_id = v.agent_id, queued_at = v.queued_at, assigned_at = v.assigned_at,
              exclude_agent_id = v.exclude_agent_id, exclude_until = v.exclude_until,
              has_agent_message = v.has_agent_message, last_author = v.last_author,
              last_visitor_message_at = v.last_visitor_message_at, last_agent_message_at = v.last_agent_message_at,
              reassign_at = v.reassign_at, reassign_reason = v.reassign_reason, close_at = v.close_at,
              event_version = r.event_version + v.bump
         FROM jsonb_to_recordset($1::jsonb) AS v(
              conversation_id uuid, status text, agent_id uuid, queued_at timestamptz, assigned_at timestamptz,
              exclude_agent_id uuid, exclude_until timestamptz, has_agent_message boolean, last_author text,
              last_visitor_message_at timestamptz, last_agent_message_at timestamptz, reassign_at timestamptz,
              reassign_reason text, close_at timestamptz, bump int)
        WHERE r.conversation_id = v.conversation_id
       RETURNING r.conversation_id::text AS key, r.event_version`,
      params: [JSON.stringify(all.map((c) => ({ ...toRow(c), bump: bumps.get(c.conversationId) ?? 0 })))],
    };
  }

  /** The counters after a `saveStatement`, by conversation id, of the conversations `bumps` names. */
  private bumpedBy(
    all: RoutedConversation[],
    bumps: ReadonlyMap<string, number>,
    rows: SavedRow[],
  ): Map<string, number> {
    const idOf = new Map(all.map((c) => [c.conversationId.toLowerCase(), c.conversationId]));
    return new Map(
      rows
        .map((r) => [idOf.get(r.key) ?? r.key, Number(r.event_version)] as const)
        .filter(([id]) => bumps.has(id)),
    );
  }

  /**
   * What an agent holds now, oldest assignment first (index routed_slots), each with its event version
   * (the last versioned event published about it, RoutingEventsEmitter): its deadlines here are at
   * least as new as that event's.
   */
  async findHeldBy(
    tx: EntityManager,
    agentId: string,
  ): Promise<Array<RoutedConversation & { version: number }>> {
    const rows: Array<RoutedRow & { event_version: string }> = await tx.query(
      `SELECT * FROM routed_conversations WHERE agent_id = $1 AND status = 'assigned'
        ORDER BY assigned_at, conversation_id`,
      [agentId],
    );
    return rows.map((r) => ({ ...toState(r), version: Number(r.event_version) }));
  }

  /** The head of one channel's queue, oldest first (index routed_queue). */
  async findQueued(tx: EntityManager, channel: Channel, limit: number): Promise<RoutedConversation[]> {
    const rows: RoutedRow[] = await tx.query(
      `SELECT * FROM routed_conversations WHERE status = 'queued' AND channel = $1
        ORDER BY queued_at, conversation_id LIMIT $2`,
      [channel, limit],
    );
    return rows.map(toState);
  }

  /**
   * Matching's claim: locks those still queued and returns them as they are now (a close or a
   * message may have come meanwhile), so a conversation is never held by two agents.
   */
  async claimQueued(tx: EntityManager, ids: string[]): Promise<LockedConversation[]> {
    if (ids.length === 0) return [];
    const rows = await returningRows<RoutedRow>(
      tx,
      `UPDATE routed_conversations SET status = status
        WHERE conversation_id = ANY($1::uuid[]) AND status = 'queued' RETURNING *`,
      [ids],
    );
    return rows.map(toLocked);
  }

  /**
   * R9/R10 sweep's claim: the due reassignment dates of one channel, cleared once and returned as
   * they were; SKIP LOCKED, so two sweepers never take the same row. Found through the minute they
   * fall in (index routed_reassign_due; migration DeadlineMinutes): earliest minute first, in no
   * order within a minute. Each sweep also reads the rows of the current minute that are not due yet
   * (a few: the deadlines that fall in one minute); indexing the deadline beside the minute would
   * make its every move a non-HOT update again.
   */
  async claimDueReassignments(
    tx: EntityManager,
    channel: Channel,
    now: Date,
    limit: number,
  ): Promise<RoutedConversation[]> {
    const rows = await returningRows<RoutedRow>(
      tx,
      `WITH due AS (
         SELECT * FROM routed_conversations
          WHERE reassign_minute <= ($2::timestamptz AT TIME ZONE 'UTC') AND reassign_at <= $2
            AND status = 'assigned' AND channel = $1
          ORDER BY reassign_minute LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE routed_conversations r SET reassign_at = NULL
         FROM due WHERE r.conversation_id = due.conversation_id
       RETURNING due.*`,
      [channel, now, limit],
    );
    return rows.map(toState);
  }

  /**
   * The conversations marked for their deadlines to be published again (DeadlinePublicationSweep;
   * index routed_deadlines_unpublished: only the marked ones), after `after` in id order (null: from
   * the first): locked in id order, the marks cleared, returned as they are; SKIP LOCKED, so a batch
   * of conversation events working on one is not waited for: the next sweep takes it.
   */
  async claimMarkedDeadlines(
    tx: EntityManager,
    after: string | null,
    limit: number,
  ): Promise<RoutedConversation[]> {
    const rows = await returningRows<RoutedRow>(
      tx,
      `WITH marked AS (
         SELECT conversation_id FROM routed_conversations
          WHERE deadlines_unpublished AND ($1::uuid IS NULL OR conversation_id > $1)
          ORDER BY conversation_id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE routed_conversations r SET deadlines_unpublished = false
         FROM marked WHERE r.conversation_id = marked.conversation_id
       RETURNING r.*`,
      [after, limit],
    );
    return rows.map(toState).sort((a, b) => (a.conversationId < b.conversationId ? -1 : 1));
  }

  /** R11 sweep's claim: the due inactivity closes (index routed_close_due, by minute), cleared once, returned as they were. */
  async claimDueInactivityCloses(tx: EntityManager, now: Date, limit: number): Promise<RoutedConversation[]> {
    const rows = await returningRows<RoutedRow>(
      tx,
      `WITH due AS (
         SELECT * FROM routed_conversations
          WHERE close_minute <= ($1::timestamptz AT TIME ZONE 'UTC') AND close_at <= $1 AND status <> 'closed'
          ORDER BY close_minute LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE routed_conversations r SET close_at = NULL
         FROM due WHERE r.conversation_id = due.conversation_id
       RETURNING due.*`,
      [now, limit],
    );
    return rows.map(toState);
  }
}
