import { Bounded } from './bounded';
import { DESK_VIEWS_LIMIT } from './desk-views';

/**
 * At most one push per key per interval: the first at once, the ones asked for within the interval
 * folded into one at its end. The push reads the state when it runs, so the folded one carries the
 * latest. A push that went out by another path with the same state (`pushed`) starts the interval
 * anew and drops the one waiting; `forget` drops it too (the key's state is gone).
 *
 * The gateway folds the `conversation.updated` that routing's deadline changes cause: with R10 the
 * deadline moves with every visitor message, and each push is the whole view (~15 KB with 50
 * messages) for the desk to write, send and parse, for a clock that moves by seconds on 12 hours.
 */
export class PushThrottle {
  /** When each key was last pushed, for as many keys as the desk views a gateway holds. */
  private readonly last = new Bounded<number>(DESK_VIEWS_LIMIT);
  private readonly waiting = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Runs `push` now, or once at the end of the key's interval if one ran within it (`late` true: from
   * a timer, outside whatever the caller was doing).
   */
  push(key: string, push: (late: boolean) => void): void {
    if (this.waiting.has(key)) return; // the waiting push will read the latest state
    const wait = (this.last.get(key) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.pushed(key);
      push(false);
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.pushed(key);
      push(true);
    }, wait);
    timer.unref();
    this.waiting.set(key, timer);
  }

  /** A push of the key's whole state went out by another path: the waiting one has nothing to add. */
  pushed(key: string): void {
    this.cancel(key);
    this.last.set(key, this.now());
  }

  /** The key's state is gone (closed, moved): nothing waiting is pushed. */
  forget(key: string): void {
    this.cancel(key);
    this.last.delete(key);
  }

  /** Drops every waiting push (shutdown). */
  clear(): void {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  private cancel(key: string): void {
    const timer = this.waiting.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.waiting.delete(key);
  }
}
