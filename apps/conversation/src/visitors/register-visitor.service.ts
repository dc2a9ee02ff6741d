import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { VisitorsRepository } from './visitors.repository';

type Op = ConversationOps['visitor.register'];

/** A visitor's first contact; registering again with the same id changes nothing. */
@Injectable()
export class RegisterVisitorService {
  constructor(private readonly visitors: VisitorsRepository) {}

  async register(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    await this.visitors.insert(tx, {
      id: d.visitorId,
      channel: d.channel,
      name: d.name,
      platform: d.platform,
      at: meta.now,
    });
    return { visitorId: d.visitorId };
  }
}
