import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { ServiceMetrics } from '@pupitre/shared';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/env.validation';
import { NotSent } from '../http';
import { RecentIds } from './recent-ids';

/**
 * Visitor messages this gateway accepted and has not seen on its feed yet, at most. Past it the oldest
 * is forgotten: the lag it measures is then at least as old as the next.
 */
const MAX_WAITING = 50_000;
/**
 * A message whose event this feed has not read after this many times the limit is forgotten (counted,
 * and logged at most every 5 s): an event the feed can never read (a retry answered by a conversation
 * too old to say `replayed`, an event that failed its schema) then holds the door shut for at most
 * twice the limit. A feed further behind than that lets new messages in again once what waits is
 * forgotten, and is refused again once they wait past the limit: it is throttled, not shut.
 */
const FORGET_AFTER_LIMITS = 3;
/** Ids of events read before their 201 was counted (an event can overtake its reply by milliseconds). */
const READ_FIRST_IDS = 20_000;
const MAX_RETRY_AFTER_S = 10;
const FORGOTTEN_LOG_INTERVAL_MS = 5000;

/** What a refusal while the feed is behind says (the door thread's too). */
export const DESKS_BEHIND = 'the desks are behind; try again later';

/**
 * How far behind this gateway's desk feed is, on this gateway's own clock: the age of the oldest
 * visitor message it answered 201 whose `message.posted` its feed of `conversation.events` has not
 * read yet. The in-flight bound (RequestClient) keeps what waits for conversation to half a second,
 * but an accepted message still reaches the desk through this feed, which shares the cores with
 * everything else: at 1,000 visitor messages/s on two cores conversation kept up while the feed fell
 * 5–20 s behind, and agents saw stored messages that late (issue 7's note, session 16). Past
 * DESK_FEED_LAG_LIMIT_MS the load shedder refuses new visitor messages at the door (503 with
 * Retry-After) until the feed catches up, so what this instance accepts reaches the desks it serves
 * in about that time.
 *
 * Measured from what this instance accepted only: no other host's clock (a record's timestamp is the
 * relay's), a feed that reads nothing at all is seen to be behind, and neither other instances'
 * messages nor a restart's catching up on events published before it count. A retried
 * `clientMessageId` answered with the message stored earlier (`replayed`) waits for nothing.
 */
@Injectable()
export class DeskFeedLag {
  private readonly logger = new Logger(DeskFeedLag.name);
  /** Message id → when it was answered 201 (this.now()), for those not read yet. */
  private readonly waiting = new Map<string, number>();
  /** The same ids in the order they were accepted; those read or forgotten are skipped at the head. */
  private order: string[] = [];
  private head = 0;
  private readonly readFirst = new RecentIds(READ_FIRST_IDS);
  private readonly refusedTotal?: Counter;
  private readonly forgottenTotal?: Counter;
  private forgotten = 0;
  private forgottenLoggedAt = -Infinity;

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
    this.refusedTotal = metrics?.counter(
      'pupitre_desk_feed_refused_total',
      'Visitor messages refused (503) because the desk feed of this gateway was past DESK_FEED_LAG_LIMIT_MS',
      [],
    );
    this.forgottenTotal = metrics?.counter(
      'pupitre_desk_feed_forgotten_total',
      'Accepted visitor messages whose event the desk feed of this gateway had not read after 3 × DESK_FEED_LAG_LIMIT_MS',
      [],
    );
  }

  /** Monotonic milliseconds (a method, so that tests can move time). */
  now(): number {
    return performance.now();
  }

  /** A visitor message was answered 201 now: the desks learn of it when the feed reads it. */
  accepted(messageId: string): void {
    if (this.config.DESK_FEED_LAG_LIMIT_MS === 0) return;
    if (this.waiting.has(messageId) || this.readFirst.has(messageId)) return;
    // What was read since leaves the head here too, not only when the lag is asked for.
    this.oldestWaiting();
    this.waiting.set(messageId, this.now());
    this.order.push(messageId);
    if (this.waiting.size > MAX_WAITING) this.oldestGone();
  }

  /** The feed read this message's `message.posted` (whoever accepted it). */
  read(messageId: string): void {
    if (!this.waiting.delete(messageId)) this.readFirst.firstTime(messageId);
  }

  /**
   * The age of the oldest accepted message not read yet, 0 when none waits. Amortised O(1): the head
   * of `order` moves past what was read, each id once.
   */
  lagMs(): number {
    const now = this.now();
    const forgetAfter = FORGET_AFTER_LIMITS * this.config.DESK_FEED_LAG_LIMIT_MS;
    for (let id = this.oldestWaiting(); id !== undefined; id = this.oldestWaiting()) {
      const at = this.waiting.get(id)!;
      if (now - at <= forgetAfter) return now - at;
      this.oldestGone();
      this.noteForgotten(now);
    }
    return 0;
  }

  /** The refusal for a new visitor message while the feed is past its limit, or null (limit 0: off). */
  refusal(): NotSent | null {
    const retryAfter = this.retryAfterSeconds();
    if (retryAfter === null) return null;
    this.countRefused(1);
    return NotSent.refusal(DESKS_BEHIND, retryAfter);
  }

  /** While the feed is past its limit, the Retry-After its refusals give; else null (limit 0: off). */
  retryAfterSeconds(): number | null {
    const limit = this.config.DESK_FEED_LAG_LIMIT_MS;
    if (limit === 0) return null;
    const lag = this.lagMs();
    return lag <= limit ? null : Math.min(MAX_RETRY_AFTER_S, Math.ceil(lag / 1000));
  }

  /** Refusals on this account, made here or by the door thread (http/door-thread.ts). */
  countRefused(count: number): void {
    this.refusedTotal?.inc(count);
  }

  /** The oldest id still waiting, once the head of `order` is moved past those read or forgotten. */
  private oldestWaiting(): string | undefined {
    for (; this.head < this.order.length; this.advance()) {
      const id = this.order[this.head];
      if (this.waiting.has(id)) return id;
    }
    return undefined;
  }

  /** Forgets the oldest id still waiting. */
  private oldestGone(): void {
    const id = this.oldestWaiting();
    if (id === undefined) return;
    this.waiting.delete(id);
    this.advance();
  }

  private advance(): void {
    this.head++;
    // Compacted once half of it is behind the head: each id is copied at most once on average.
    if (this.head >= 1024 && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  private noteForgotten(now: number): void {
    this.forgottenTotal?.inc();
    this.forgotten++;
    if (now - this.forgottenLoggedAt < FORGOTTEN_LOG_INTERVAL_MS) return;
    this.logger.warn(
      `${this.forgotten} accepted visitor message(s) not read by the desk feed after ` +
        `${FORGET_AFTER_LIMITS} × DESK_FEED_LAG_LIMIT_MS: forgotten`,
    );
    [this.forgotten, this.forgottenLoggedAt] = [0, now];
  }
}
