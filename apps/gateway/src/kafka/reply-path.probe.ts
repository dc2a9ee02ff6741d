import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GATEWAY_REPLIES } from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { REQUEST_SINK, RequestSink } from './request.client';

/** How often this gateway sends itself a reply through the broker. */
export const REPLY_PROBE_INTERVAL_MS = 1000;

/**
 * Proves this gateway's reply path end to end, for `/health/ready/self`: once a second it sends a
 * reply addressed to itself on `gateway.replies` (through the producer its requests use) and notes
 * when one comes back through its consumer. Recent round trips mean its broker connection, its
 * producer and its consumer all work, whatever the services are doing. Other gateways ignore these
 * replies (another replyKey), and the request client never knew their ids.
 */
@Injectable()
export class ReplyPathProbe implements OnApplicationShutdown {
  private readonly id = `reply-path-probe-${randomUUID()}`;
  private lastRoundTripAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sending = false;

  constructor(
    @Inject(REQUEST_SINK) private readonly sink: RequestSink,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'GATEWAY_INSTANCE_ID'>,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.send(), REPLY_PROBE_INTERVAL_MS);
    this.timer.unref();
    void this.send();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A value from `gateway.replies`: true when it is one of this probe's (then nobody else needs it). */
  onReply(value: unknown): boolean {
    const v = value as { requestId?: unknown; sentAt?: unknown } | null;
    if (!v || v.requestId !== this.id) return false;
    this.lastRoundTripAt = Date.now();
    return true;
  }

  /** Milliseconds since the last round trip; null before the first. */
  ageMs(now = Date.now()): number | null {
    return this.lastRoundTripAt === null ? null : now - this.lastRoundTripAt;
  }

  private async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    const reply = { requestId: this.id, replyKey: this.config.GATEWAY_INSTANCE_ID, ok: true, data: null };
    try {
      await this.sink.send(GATEWAY_REPLIES, [
        { key: this.config.GATEWAY_INSTANCE_ID, value: JSON.stringify(reply) },
      ]);
    } catch {
      // Shown by the round trips that stop: readiness turns red, and the producer logs its errors.
    } finally {
      this.sending = false;
    }
  }
}
