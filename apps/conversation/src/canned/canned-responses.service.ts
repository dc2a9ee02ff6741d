import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CannedResponse, ConversationOps, DomainError, RequestMeta } from '@pupitre/shared';
import { BatchReadAhead, PostAgentMessageService } from '../messages';
import { CannedResponsesRepository } from './canned-responses.repository';

type In<K extends keyof ConversationOps> = ConversationOps[K]['in'];

/** Canned responses (R2): written by admins, sent by agents as their own message. */
@Injectable()
export class CannedResponsesService {
  constructor(
    private readonly repo: CannedResponsesRepository,
    private readonly agentMessages: PostAgentMessageService,
    private readonly readAhead: BatchReadAhead,
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

  /**
   * Sends the canned response's text as the agent's message. In a batch its text is usually read with
   * the batch's locks, and its message read and written with the batch's others (BatchReadAhead).
   */
  async send(d: In<'agent.send-canned'>, tx: EntityManager, meta: RequestMeta) {
    const ahead = this.readAhead.cannedText(tx, meta.requestId);
    if (ahead === null) throw notFound();
    const text = ahead ?? (await this.find(tx, d.cannedResponseId)).text;
    const { agentId, conversationId, clientMessageId } = d;
    return this.agentMessages.post({ agentId, conversationId, text, clientMessageId }, tx, meta);
  }

  private async find(tx: EntityManager, id: string): Promise<CannedResponse> {
    const canned = await this.repo.find(tx, id);
    if (!canned) throw notFound();
    return canned;
  }
}

const notFound = () => new DomainError('NOT_FOUND', 'no such canned response');
