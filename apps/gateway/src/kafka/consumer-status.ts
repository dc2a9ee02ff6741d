import { Injectable } from '@nestjs/common';

/** The gateway's own Kafka consumer, attached once booted, so readiness can ask whether it consumes. */
@Injectable()
export class ConsumerStatus {
  private server: { isConsuming(): boolean } | null = null;

  attach(server: { isConsuming(): boolean }): void {
    this.server = server;
  }

  isConsuming(): boolean {
    return this.server?.isConsuming() ?? false;
  }
}
