import { Logger } from '@nestjs/common';
import { niceRefused, setThreadNice, THREAD_NICE_SUPPORTED, threadNice } from '../http';

export interface RefusingPriorityOptions {
  /** The main thread's nice value while the door refuses; 0: off. */
  nice: number;
  /** How long after the last refusal the thread keeps it (give or take a quarter). */
  holdMs: number;
  /** A monotonic clock, in ms. */
  now?: () => number;
  /** The calling thread's nice value, read and set (http/thread-nice.ts). */
  get?: () => number;
  set?: (nice: number) => void;
  /** Whether a nice value is a thread's here (Linux); elsewhere the option does nothing. */
  supported?: boolean;
  logger?: Pick<Logger, 'log' | 'warn'>;
}

/**
 * While its door refuses, the gateway's main thread gets the CPU before the back ends it shares cores
 * with (GATEWAY_REFUSING_NICE; docs/architecture.md, Overload). A refusal costs microseconds, but it
 * waits for the main thread's loop, and on cores shared with saturated back ends that loop waits for
 * the CPU like any other thread. Raised for good, the same priority slowed the back ends whenever the
 * gateway woke, at loads the system sustains (session 13); raised only while the door refuses, it
 * costs nothing there. Back `holdMs` after the last refusal. Called from the main thread only: on
 * Linux the nice value is the calling thread's, so libuv's pool and V8's helpers keep theirs (a
 * thread started while it is raised would copy it; the pool starts at boot, with the first DNS
 * lookup). Elsewhere, where it would be the whole process's, it does nothing. Raising takes
 * CAP_SYS_NICE: without it, one warning and nothing more. Not called with HTTP_DOOR_THREAD, whose
 * thread refuses at its own nice value.
 */
export class RefusingPriority {
  private readonly now: () => number;
  private readonly get: () => number;
  private readonly set: (nice: number) => void;
  private readonly logger: Pick<Logger, 'log' | 'warn'>;
  /** The thread's own nice value while raised; null otherwise. */
  private base: number | null = null;
  private raisedAt = 0;
  private lastRefusalAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Off, closed, refused the capability, or already as high: no more system calls. */
  private inert: boolean;

  constructor(private readonly o: RefusingPriorityOptions) {
    this.now = o.now ?? (() => performance.now());
    this.get = o.get ?? threadNice;
    this.set = o.set ?? setThreadNice;
    this.logger = o.logger ?? new Logger('RefusingPriority');
    this.inert = o.nice === 0 || !(o.supported ?? THREAD_NICE_SUPPORTED);
  }

  /** The door refused a request: the thread is raised, or stays raised for `holdMs` more. */
  refused(): void {
    if (this.inert) return;
    this.lastRefusalAt = this.now();
    if (this.base !== null) return;
    let base: number;
    try {
      base = this.get();
      if (base <= this.o.nice) {
        this.inert = true; // already as high (a supervisor's nice): nothing to do, now or later
        return;
      }
      this.set(this.o.nice);
    } catch (err) {
      this.inert = true;
      this.logger.warn(niceRefused('the main thread, while the door refuses,', this.o.nice, err));
      return;
    }
    this.base = base;
    this.raisedAt = this.lastRefusalAt;
    this.logger.log(`the door refuses: the main thread at nice ${this.o.nice} (from ${base}) until it stops`);
    this.timer = setInterval(() => this.lowerIfQuiet(), Math.max(10, this.o.holdMs / 4));
    this.timer.unref();
  }

  /** Back to the thread's own priority, for good (the app is closing). */
  close(): void {
    this.inert = true;
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
