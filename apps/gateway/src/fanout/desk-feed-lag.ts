import { Inject, Injectable, Optional } from '@nestjs/common';
import { ServiceMetrics } from '@pupitre/shared';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/env.validation';
import { NotSent } from '../http';
import { RecentIds } from './recent-ids';

/**
 * Visitor messages this gateway accepted and has not seen on its feed yet, at most. Past it the oldest
 * is forgotten: the lag it measures is then at least as old as the next, so refusals go on.
 */
const MAX_WAITING = 50_000;
/**
 * A message whose event this feed has not read after this long is forgotten (an event the feed can
 * never read: one published before this instance's first offsets, say), so that one cannot hold the
 * door shut; a feed this far behind has younger messages waiting too, which keep it shut.
 */
const FORGET_AFTER_MS = 30_000;
/** Ids of events read before their 201 was counted (the event can overtake the reply). */
const READ_FIRST_IDS = 10_000;
const MAX_RETRY_AFTER_S = 10;

/**
 * How far behind this gateway's desk feed is, on this gateway's own clock: the age of the oldest
 * visitor message it answered 201 whose `message.posted` its feed of `conversation.events` has not
 * read yet. The in-flight bound (RequestClient) keeps what waits for conversation to half a second,
 * but an accepted message still reaches the desk through this feed, which shares the cores with
 * everything else: at 1,000 visitor messages/s on two cores conversation kept up while the feed fell
 * 5–20 s behind, and agents saw stored messages that late (issue 7's note, session 16). Past
 * DESK_FEED_LAG_LIMIT_MS the load shedder refuses new visitor messages at the door (503 with
 * Retry-After) until the feed catches up, so what this gateway accepts reaches the desks in about
 * that time.
 *
 * Measured from what this instance accepted only: no other host's clock (a record's timestamp is the
 * relay's), a feed that reads nothing at all is seen to be behind, and neither other instances'
 * messages nor a restart's catching up on events published before it count. A retried
 * `clientMessageId` answered with the message stored earlier (`replayed`) waits for nothing.
 */
@Injectable()
export class DeskFeedLag {
  /** Message id → when it was answered 201 (performance.now()), oldest first. */
  private readonly waiting = new Map<string, number>();
  private readonly readFirst = new RecentIds(READ_FIRST_IDS);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'DESK_FEED_LAG_LIMIT_MS'>,
    @Optional() metrics?: ServiceMetrics,
  ) {
    metrics?.gauge(
      'pupitre_desk_feed_lag_seconds',
      'Age of the oldest visitor message this gateway accepted that its desk feed has not read yet (past DESK_FEED_LAG_LIMIT_MS new ones are refused)',
      [],
      (set) => set({}, this.lagMs() / 1000),
    );
  }

  /** Monotonic milliseconds (a method, so that tests can move time). */
  now(): number {
    return performance.now();
  }

  /** A visitor message was answered 201 now: the desks learn of it when the feed reads it. */
  accepted(messageId: string): void {
    if (this.waiting.has(messageId) || this.readFirst.has(messageId)) return;
    this.waiting.set(messageId, this.now());
    if (this.waiting.size > MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value!);
  }

  /** The feed read this message's `message.posted` (whoever accepted it). */
  read(messageId: string): void {
    if (!this.waiting.delete(messageId)) this.readFirst.firstTime(messageId);
  }

  /** The age of the oldest accepted message not read yet, 0 when none waits. */
  lagMs(): number {
    const now = this.now();
    for (const [id, at] of this.waiting) {
      if (now - at <= FORGET_AFTER_MS) return now - at;
      this.waiting.delete(id);
    }
    return 0;
  }

  /** The refusal for a new visitor message while the feed is past its limit, or null (limit 0: never). */
  refusal(): NotSent | null {
    const limit = this.config.DESK_FEED_LAG_LIMIT_MS;
    if (limit === 0) return null;
    const lag = this.lagMs();
    if (lag <= limit) return null;
    const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.ceil(lag / 1000));
    return NotSent.refusal('the desks are behind; try again later', retryAfter);
  }
}
