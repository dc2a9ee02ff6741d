import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { GATEWAY_REPLIES } from '@pupitre/shared';
import { RequestClient } from './request.client';

/** `gateway.replies`: every instance reads every reply (its own group) and keeps its own. */
@Controller()
export class RepliesConsumer {
  constructor(private readonly client: RequestClient) {}

  @EventPattern(GATEWAY_REPLIES)
  onReply(@Payload() value: unknown): void {
    this.client.onReply(value);
  }
}
