import { healthStamp } from './door-health';

/**
 * The door's state in shared memory: what the main thread publishes and the door thread
 * (http/door-thread.ts, http/door-worker.ts) refuses by, each field packed into 32-bit words read whole.
 */

/**
 * The view in one 32-bit word, so that the thread reads it whole in one atomic load, never the reason
 * of one publication with the Retry-After of the next: the bound in bits 0–19 (MAX_IN_FLIGHT_PER_SERVICE
 * is at most 1,000,000), the Retry-After in bits 20–25 (1 to 30 s), the reason in bit 26, shut in bit 27.
 */
const BOUND_BITS = 20;
const RETRY_AFTER_BITS = 6;
const REASON_SHIFT = BOUND_BITS + RETRY_AFTER_BITS;
const SHUT_SHIFT = REASON_SHIFT + 1;
const MAX_BOUND = (1 << BOUND_BITS) - 1;
const MAX_RETRY_AFTER = (1 << RETRY_AFTER_BITS) - 1;

/** Why the door is shut. */
const REASONS = ['overloaded', 'desks-behind'] as const;
export type DoorReason = (typeof REASONS)[number];

/** What the main thread tells the door: whether it is shut, and with which Retry-After. */
export interface DoorView {
  shut: boolean;
  /** Why it is shut (a refusal at the bound the thread keeps itself is `overloaded`). */
  reason: DoorReason;
  retryAfterSeconds: number;
  /** Visitor messages the thread may have handed on and not yet answered. */
  bound: number;
  /**
   * The bound of a client's retry (`X-Attempt` 2 or more), at most `bound`: what waits for
   * conversation as the main thread counts it (`retriesShut`), and the thread's own retries in flight.
   */
  retryBound: number;
  /** Shut for retries: what waits for conversation (all of it, not only the thread's) is at `retryBound`. */
  retriesShut: boolean;
}

/**
 * The view but the retries' part as one word (see BOUND_BITS); the bound and the Retry-After are
 * clamped to their bits. The retries' bound and whether they are shut are a word of their own
 * (packRetryView, DoorState).
 */
export function packDoorView(view: Omit<DoorView, 'retryBound' | 'retriesShut'>): number {
  const bound = toBits(view.bound, MAX_BOUND);
  const retryAfter = toBits(view.retryAfterSeconds, MAX_RETRY_AFTER);
  const reason = REASONS.indexOf(view.reason);
  return bound | (retryAfter << BOUND_BITS) | (reason << REASON_SHIFT) | ((view.shut ? 1 : 0) << SHUT_SHIFT);
}

export function unpackDoorView(word: number): Omit<DoorView, 'retryBound' | 'retriesShut'> {
  return {
    shut: ((word >>> SHUT_SHIFT) & 1) === 1,
    reason: REASONS[(word >>> REASON_SHIFT) & 1],
    retryAfterSeconds: (word >>> BOUND_BITS) & MAX_RETRY_AFTER,
    bound: word & MAX_BOUND,
  };
}

/** The retries' part of the view as one word: their bound in bits 0–19, shut in bit 20. */
export function packRetryView(view: Pick<DoorView, 'retryBound' | 'retriesShut'>): number {
  return toBits(view.retryBound, MAX_BOUND) | ((view.retriesShut ? 1 : 0) << BOUND_BITS);
}

/** A whole number from 0 to `max`: what fits a field of the view's words. */
function toBits(value: number, max: number): number {
  return Math.min(Math.max(0, Math.trunc(value)), max);
}

export function unpackRetryView(word: number): Pick<DoorView, 'retryBound' | 'retriesShut'> {
  return { retryBound: word & MAX_BOUND, retriesShut: ((word >>> BOUND_BITS) & 1) === 1 };
}

/**
 * The main thread's side of the shared state: the view in one word, stored whole, and the retries'
 * part in a second. The thread may read the retries' word from the publication before or after the
 * view's: both were the main thread's within a few milliseconds, and the retries' word only ever
 * refuses more than the view does, never less.
 */
export class DoorState {
  readonly buffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  private readonly words = new Int32Array(this.buffer);

  publish(view: DoorView): void {
    Atomics.store(this.words, 0, packDoorView(view));
    Atomics.store(this.words, 1, packRetryView(view));
  }

  /**
   * The time the probes' answers were last worked out (and sent if changed): how fresh the thread's
   * copy is. Stamped where they are, never elsewhere, so a fresh stamp means a fresh copy.
   */
  stampHealth(now = Date.now()): void {
    Atomics.store(this.words, 2, healthStamp(now));
  }
}
