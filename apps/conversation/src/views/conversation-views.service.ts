import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationOps, DomainError } from '@pupitre/shared';
import { ConversationRow, ConversationsRepository } from '../conversations';
import { MessagesRepository } from '../messages';
import { VisitorsRepository } from '../visitors';
import { toConversationView } from './domain/conversation-view';

type Op<K extends keyof ConversationOps> = ConversationOps[K];

/** What the desk and the visitor see of conversations: reads only. */
@Injectable()
export class ConversationViewsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly visitors: VisitorsRepository,
  ) {}

  async views(
    d: Op<'conversation.views'>['in'],
    tx: EntityManager,
  ): Promise<Op<'conversation.views'>['out']> {
    const rows = await this.existing(tx, d.conversationIds);
    const views = await this.viewsOf(tx, rows);
    // Who the record names as holder: only that agent can answer it (the desk shows it to them alone).
    return views.map((v, i) => ({ ...v, heldBy: rows[i].agent_id }));
  }

  /** The views of those of `ids` that exist, in the order given: three statements however many. */
  async viewAll(tx: EntityManager, ids: string[]): Promise<Op<'conversation.view'>['out'][]> {
    return this.viewsOf(tx, await this.existing(tx, ids));
  }

  async view(d: Op<'conversation.view'>['in'], tx: EntityManager): Promise<Op<'conversation.view'>['out']> {
    const c = await this.conversations.find(tx, d.conversationId);
    if (!c) throw new DomainError('NOT_FOUND', 'no such conversation');
    return (await this.viewsOf(tx, [c]))[0];
  }

  async ofVisitor(
    d: Op<'visitor.list-conversations'>['in'],
    tx: EntityManager,
  ): Promise<Op<'visitor.list-conversations'>['out']> {
    const rows = await this.conversations.listOfVisitor(tx, d.visitorId);
    return rows.map((c) => ({
      id: c.id,
      channel: c.channel,
      status: c.status,
      createdAt: c.created_at.toISOString(),
      ...(c.closed_at ? { closedAt: c.closed_at.toISOString() } : {}),
      ...(c.close_reason ? { closeReason: c.close_reason } : {}),
    }));
  }

  /** The rows of those of `ids` that exist, in the order given (a uuid matched whatever its case). */
  private async existing(tx: EntityManager, ids: string[]): Promise<ConversationRow[]> {
    const found = new Map((await this.conversations.findMany(tx, ids)).map((c) => [c.id.toLowerCase(), c]));
    return ids.flatMap((id) => found.get(id.toLowerCase()) ?? []);
  }

  private async viewsOf(tx: EntityManager, rows: ConversationRow[]) {
    const [messages, visitors] = await Promise.all([
      this.messages.latestOf(
        tx,
        rows.map((r) => r.id),
      ),
      this.visitors.findMany(
        tx,
        rows.map((r) => r.visitor_id),
      ),
    ]);
    return rows.map((r) => toConversationView(r, visitors.get(r.visitor_id)!, messages.get(r.id) ?? []));
  }
}
