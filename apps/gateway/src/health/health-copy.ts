import type { DoorHealthAnswer } from '../http';
import type { HealthPath } from './health-answers';

/** A thread that answers the probes from the main thread's copy (the door thread, the health thread). */
export interface HealthCopyHolder {
  /** The answers, sent when one has changed since the last. */
  publish(answers: Record<HealthPath, DoorHealthAnswer>): void;
  /** The copy is fresh as of `now`. */
  stamp(now: number): void;
}

/** How often the probes' answers are worked out again (the door's tick). */
export const HEALTH_COPY_INTERVAL_MS = 20;

/**
 * The probes' answers for the threads that give them without the main thread's loop
 * (http/door-health.ts): worked out every 20 ms on this thread, sent to each holder when one
 * changes, and stamped each time, only there, so a fresh stamp means a fresh copy. Stopped (the
 * gateway closing), it stamps no more, and the holders' copies go stale within a second: their probes
 * are then the app's own.
 */
export class HealthCopy {
  private readonly holders: HealthCopyHolder[] = [];
  private sent = '';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly answers: () => Record<HealthPath, DoorHealthAnswer>,
    private readonly intervalMs = HEALTH_COPY_INTERVAL_MS,
  ) {}

  /** Gives `holder` the answers now and at every tick from now on. */
  add(holder: HealthCopyHolder): void {
    if (this.stopped) return;
    this.holders.push(holder);
    this.sent = ''; // the new holder has nothing yet: every holder gets them (once more for the others)
    this.refresh();
    if (!this.timer) {
      this.timer = setInterval(() => this.refresh(), this.intervalMs);
      this.timer.unref();
    }
  }

  refresh(now = Date.now()): void {
    if (this.stopped) return;
    const answers = this.answers();
    const json = JSON.stringify(answers);
    for (const holder of this.holders) {
      if (json !== this.sent) holder.publish(answers);
      holder.stamp(now);
    }
    this.sent = json;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
