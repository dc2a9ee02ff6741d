import { Injectable } from '@nestjs/common';
import { RepliesConsumer } from './replies.consumer';

/**
 * The gateway's Kafka consumers — Nest's (the feeds), attached once booted, and the replies' own —
 * so readiness can ask whether they consume.
 */
@Injectable()
export class ConsumerStatus {
  private server: { isConsuming(): boolean } | null = null;

  constructor(private readonly replies: RepliesConsumer) {}

  attach(server: { isConsuming(): boolean }): void {
    this.server = server;
  }

  isConsuming(): boolean {
    return (this.server?.isConsuming() ?? false) && this.replies.isConsuming();
  }
}
