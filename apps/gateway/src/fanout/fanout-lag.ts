import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/env.validation';
import { NotSent } from '../http';

/** A lag older than this says nothing about now: with nothing read since, nothing waits. */
const FRESH_FOR_MS = 1000;
const MAX_RETRY_AFTER_S = 30;

/**
 * How far behind this gateway's desk feed is: the age of the last conversation event it read, from the
 * time its service published it to Kafka (the record's timestamp, set by the relay's producer). The
 * in-flight bound (RequestClient) keeps what waits for conversation to half a second, but a visitor
 * message it accepted still has to reach the desk through this feed, which shares the cores with
 * everything else. At 1,000 visitor messages/s on two cores the feed fell 5–20 s behind while
 * conversation kept up (issue 7's note, session 16): the messages were stored, and reached the agents
 * late. Past FANOUT_LAG_LIMIT_MS the load shedder refuses new visitor messages at the door (503 with
 * Retry-After) until the feed catches up, so what the gateway accepts reaches the desk within about
 * that limit. The publish time, not the event's `occurredAt`: a relay publishing a backlog (after a
 * broker outage) is not this gateway falling behind, and refusing would not help it. The broker's
 * host and this one are taken to agree within a small part of the limit (NTP).
 */
@Injectable()
export class FanoutLag {
  private lagMs = 0;
  private observedAt = -Infinity;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'FANOUT_LAG_LIMIT_MS'>) {}

  private now(): number {
    return Date.now();
  }

  /** A conversation event read now, published at `publishedAtMs` (ms since the epoch). */
  observe(publishedAtMs: number): void {
    if (!Number.isFinite(publishedAtMs)) return;
    const now = this.now();
    this.lagMs = Math.max(0, now - publishedAtMs);
    this.observedAt = now;
  }

  /** The feed's lag now: 0 when it read nothing for a while (nothing was waiting). */
  current(): number {
    return this.now() - this.observedAt <= FRESH_FOR_MS ? this.lagMs : 0;
  }

  /** The refusal for a new visitor message while the feed is past its limit, or null (0: never). */
  refusal(): NotSent | null {
    const limit = this.config.FANOUT_LAG_LIMIT_MS;
    const lag = this.current();
    if (limit === 0 || lag <= limit) return null;
    const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.ceil(lag / 1000));
    return NotSent.refusal('the desks are behind; try again later', retryAfter);
  }
}
