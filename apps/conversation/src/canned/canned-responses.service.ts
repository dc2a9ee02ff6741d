import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CannedResponse, ConversationOps, DomainError, RequestMeta } from '@pupitre/shared';
import { PostAgentMessageService } from '../messages';
import { CannedResponsesRepository } from './canned-responses.repository';

type In<K extends keyof ConversationOps> = ConversationOps[K]['in'];

/** Canned responses (R2): written by admins, sent by agents as their own message. */
@Injectable()
export class CannedResponsesService {
  constructor(
    private readonly repo: CannedResponsesRepository,
    private readonly agentMessages: PostAgentMessageService,
  ) {}

  async create(d: In<'canned.create'>, tx: EntityManager, meta: RequestMeta): Promise<CannedResponse> {
    await this.repo.insert(tx, { ...d, at: meta.now });
    return this.find(tx, d.id);
  }

  list(tx: EntityManager): Promise<CannedResponse[]> {
    return this.repo.list(tx);
  }

  async delete(d: In<'canned.delete'>, tx: EntityManager): Promise<Record<string, never>> {
    if (!(await this.repo.delete(tx, d.id))) throw new DomainError('NOT_FOUND', 'no such canned response');
    return {};
  }

  async send(d: In<'agent.send-canned'>, tx: EntityManager, meta: RequestMeta) {
    const canned = await this.find(tx, d.cannedResponseId);
    const { agentId, conversationId, clientMessageId } = d;
    return this.agentMessages.post({ agentId, conversationId, text: canned.text, clientMessageId }, tx, meta);
  }

  private async find(tx: EntityManager, id: string): Promise<CannedResponse> {
    const canned = await this.repo.find(tx, id);
    if (!canned) throw new DomainError('NOT_FOUND', 'no such canned response');
    return canned;
  }
}
