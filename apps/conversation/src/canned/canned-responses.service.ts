import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CannedResponse, ConversationOps, DomainError, RequestMeta, returningRows } from '@pupitre/shared';
import { ConversationsService } from '../conversations/conversations.service';

type In<K extends keyof ConversationOps> = ConversationOps[K]['in'];

/** Canned responses (R2): written by admins, sent by agents as their own message. */
@Injectable()
export class CannedResponsesService {
  constructor(private readonly conversations: ConversationsService) {}

  async create(d: In<'canned.create'>, tx: EntityManager, meta: RequestMeta): Promise<CannedResponse> {
    await tx.query(
      'INSERT INTO canned_responses (id, title, text, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
      [d.id, d.title, d.text, meta.now],
    );
    return this.find(tx, d.id);
  }

  async list(tx: EntityManager): Promise<CannedResponse[]> {
    return tx.query('SELECT id, title, text FROM canned_responses ORDER BY created_at, id');
  }

  async delete(d: In<'canned.delete'>, tx: EntityManager): Promise<Record<string, never>> {
    const deleted = await returningRows(tx, 'DELETE FROM canned_responses WHERE id = $1 RETURNING id', [
      d.id,
    ]);
    if (deleted.length === 0) throw new DomainError('NOT_FOUND', 'no such canned response');
    return {};
  }

  async send(d: In<'agent.send-canned'>, tx: EntityManager, meta: RequestMeta) {
    const canned = await this.find(tx, d.cannedResponseId);
    return this.conversations.postAgentMessage(
      {
        agentId: d.agentId,
        conversationId: d.conversationId,
        text: canned.text,
        clientMessageId: d.clientMessageId,
      },
      tx,
      meta,
    );
  }

  private async find(tx: EntityManager, id: string): Promise<CannedResponse> {
    const rows: CannedResponse[] = await tx.query(
      'SELECT id, title, text FROM canned_responses WHERE id = $1',
      [id],
    );
    if (!rows[0]) throw new DomainError('NOT_FOUND', 'no such canned response');
    return rows[0];
  }
}
