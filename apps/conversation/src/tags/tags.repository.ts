import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

@Injectable()
export class TagsRepository {
  async set(tx: EntityManager, conversationId: string, tags: string[]): Promise<void> {
    await tx.query('UPDATE conversations SET tags = $2 WHERE id = $1', [conversationId, tags]);
  }
}
