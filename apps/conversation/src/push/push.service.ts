import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { PushRepository } from './push.repository';

type Ops = ConversationOps;

/**
 * The push side of a visitor: their token (PUT/DELETE /v1/visitor/push-token), and where their
 * sockets are, as the gateways report it (connect, disconnect, heartbeats, restarts).
 */
@Injectable()
export class PushService {
  constructor(private readonly push: PushRepository) {}

  async setToken(d: Ops['visitor.set-push-token']['in'], tx: EntityManager, meta: RequestMeta) {
    await this.push.setToken(tx, d.visitorId, d.platform, d.token, meta.now);
    return {};
  }

  async clearToken(d: Ops['visitor.clear-push-token']['in'], tx: EntityManager) {
    await this.push.clearToken(tx, d.visitorId);
    return {};
  }

  /** A report is also a sign of life of its instance. */
  async presence(d: Ops['visitor.presence']['in'], tx: EntityManager, meta: RequestMeta) {
    await this.push.heartbeat(tx, d.gatewayInstance, meta.now);
    await this.push.reportPresence(tx, d, meta.now);
    return {};
  }

  async heartbeat(d: Ops['gateway.heartbeat']['in'], tx: EntityManager, meta: RequestMeta) {
    await this.push.heartbeat(tx, d.gatewayInstance, meta.now);
    return {};
  }

  async reset(d: Ops['gateway.presence-reset']['in'], tx: EntityManager) {
    await this.push.resetInstance(tx, d.gatewayInstance, d.seq);
    return {};
  }
}
