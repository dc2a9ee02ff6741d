import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { GATEWAY_REPLIES, KafkaFeed } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { ReplyPathProbe } from './reply-path.probe';
import { RequestClient } from './request.client';

/**
 * `gateway.replies`: every instance reads every reply and keeps its own. On a consumer of its own
 * (group `gateway-<instance>-replies`), so replies never wait behind the desk fan-out of
 * `conversation.events` and `routing.events`: a reply that waited there arrived after the 503.
 * Started before any request is sent (module init precedes bootstrap). The instance's own probe
 * replies (`/health/ready/self`) stop here.
 */
@Injectable()
export class RepliesConsumer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RepliesConsumer.name);
  private readonly feed: KafkaFeed;

  constructor(client: RequestClient, probe: ReplyPathProbe, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    const name = `gateway-${config.GATEWAY_INSTANCE_ID}-replies`;
    this.feed = new KafkaFeed({
      env: config,
      // Stable per instance, like its group: a restarted gateway ends its killed predecessor's membership.
      clientId: name,
      groupId: name,
      topic: GATEWAY_REPLIES,
      fromBeginning: false,
      onValue: (value) => {
        if (!probe.onReply(value)) client.onReply(value);
      },
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
