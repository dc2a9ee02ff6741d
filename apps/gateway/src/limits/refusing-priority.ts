import { Logger } from '@nestjs/common';
import { getPriority, setPriority } from 'node:os';

export interface RefusingPriorityOptions {
  /** The main thread's nice value while the door refuses; 0: off. */
  nice: number;
  /** How long after the last refusal the thread keeps it. */
  holdMs: number;
  now?: () => number;
  /** The calling thread's nice value (on Linux, `setpriority` with pid 0 sets the calling thread's only). */
  get?: () => number;
  set?: (nice: number) => void;
  logger?: Pick<Logger, 'log' | 'warn'>;
}

/**
 * While its door refuses, the gateway's main thread gets the CPU before the back ends it shares cores
 * with. A refusal costs microseconds, but it waits for the main thread's loop, and on cores shared with
 * saturated back ends that loop waits for the CPU like any other thread: 150–300 ms behind at p99 under
 * a threefold overload (docs/architecture.md, Overload). Raised for good, the same priority slowed the
 * back ends whenever the gateway woke, at loads the system sustains (session 13); raised only while
 * the door refuses, it costs nothing then. Back `holdMs` after the last refusal. A nice value below
 * the thread's takes CAP_SYS_NICE: without it, one warning and nothing more. Only the main thread is
 * raised: libuv's pool and V8's helpers keep theirs.
 */
export class RefusingPriority {
  private readonly now: () => number;
  private readonly get: () => number;
  private readonly set: (nice: number) => void;
  private readonly logger: Pick<Logger, 'log' | 'warn'>;
  private base: number | null = null;
  private raisedAt = 0;
  private lastRefusalAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private failed = false;

  constructor(private readonly o: RefusingPriorityOptions) {
    this.now = o.now ?? Date.now;
    this.get = o.get ?? (() => getPriority(0));
    this.set = o.set ?? ((nice) => setPriority(0, nice));
    this.logger = o.logger ?? new Logger('RefusingPriority');
  }

  /** The door refused a request: the thread is raised, or stays raised for `holdMs` more. */
  refused(): void {
    if (this.o.nice === 0 || this.failed) return;
    this.lastRefusalAt = this.now();
    if (this.base !== null) return;
    try {
      const base = this.get();
      if (base <= this.o.nice) return; // already as high
      this.set(this.o.nice);
      this.base = base;
      this.raisedAt = this.lastRefusalAt;
      this.logger.log(
        `the door refuses: the main thread at nice ${this.o.nice} (from ${base}) until it stops`,
      );
    } catch (err) {
      this.failed = true;
      this.logger.warn(
        `the main thread stays at its priority while refusing (nice ${this.o.nice} refused: ${(err as Error).message}; it takes CAP_SYS_NICE)`,
      );
      return;
    }
    this.timer = setInterval(() => this.lowerIfQuiet(), Math.max(10, this.o.holdMs / 4));
    this.timer.unref();
  }

  /** Whether the thread is raised now. */
  isRaised(): boolean {
    return this.base !== null;
  }

  /** Back to the thread's own priority (the app is closing). */
  close(): void {
    this.lower();
  }

  private lowerIfQuiet(): void {
    if (this.now() - this.lastRefusalAt >= this.o.holdMs) this.lower();
  }

  private lower(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.base === null) return;
    const base = this.base;
    this.base = null;
    try {
      this.set(base); // raising a nice value back needs no capability
      this.logger.log(
        `the main thread back at nice ${base} after ${((this.now() - this.raisedAt) / 1000).toFixed(1)} s`,
      );
    } catch (err) {
      this.logger.warn(
        `the main thread's priority was not set back to nice ${base}: ${(err as Error).message}`,
      );
    }
  }
}
