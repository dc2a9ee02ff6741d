import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { GATEWAY_REPLIES, KafkaFeed } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { RequestClient } from './request.client';

/**
 * `gateway.replies`: every instance reads every reply and keeps its own. On a consumer of its own
 * (group `gateway-<instance>-replies`), so replies never wait behind the desk fan-out of
 * `conversation.events` and `routing.events`: a reply that waited there arrived after the 503.
 * Started before any request is sent (module init precedes bootstrap).
 */
@Injectable()
export class RepliesConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RepliesConsumer.name);
  private readonly feed: KafkaFeed;

  constructor(client: RequestClient, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.feed = new KafkaFeed({
      env: config,
      clientId: 'gateway-replies',
      groupId: `gateway-${config.GATEWAY_INSTANCE_ID}-replies`,
      topic: GATEWAY_REPLIES,
      fromBeginning: false,
      onValue: (value) => client.onReply(value),
      onMalformed: () => this.logger.warn('ignored a reply that is not JSON'),
    });
  }

  onModuleInit(): Promise<void> {
    return this.feed.start();
  }

  isConsuming(): boolean {
    return this.feed.isConsuming();
  }

  onApplicationShutdown(): Promise<void> {
    return this.feed.stop();
  }
}
