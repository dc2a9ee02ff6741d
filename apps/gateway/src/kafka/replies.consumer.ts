import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { GATEWAY_REPLIES } from '@pupitre/shared';
import { ReplyPathProbe } from './reply-path.probe';
import { RequestClient } from './request.client';

/** `gateway.replies`: every instance reads every reply (its own group) and keeps its own. */
@Controller()
export class RepliesConsumer {
  constructor(
    private readonly client: RequestClient,
    private readonly probe: ReplyPathProbe,
  ) {}

  @EventPattern(GATEWAY_REPLIES)
  onReply(@Payload() value: unknown): void {
    if (this.probe.onReply(value)) return;
    this.client.onReply(value);
  }
}
