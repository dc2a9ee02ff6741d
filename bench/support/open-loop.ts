import { performance } from 'node:perf_hooks';

/** Set on SIGINT/SIGTERM: loops and waits end early so nothing new starts while cleaning up. */
export const abort = { requested: false };

export class Aborted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Throws once an abort was requested: call between steps. */
export function checkpoint(): void {
  if (abort.requested) throw new Aborted();
}

export interface LoopResult {
  /** When the first send was due (performance.now()). */
  t0: number;
  firstSendAt: number;
  lastSendAt: number;
  /** How late each send fired compared with its schedule (the load generator falling behind). */
  lagMs: Float64Array;
}

/**
 * Open-loop schedule: send i is due at t0 + i/rate, whatever happened to the earlier ones. `fire` must
 * not wait for the answer. When the event loop is late, the due sends fire at once (catch-up), and
 * the lag is recorded so a saturated generator shows.
 */
export function openLoop(rate: number, count: number, fire: (i: number) => void): Promise<LoopResult> {
  const interval = 1000 / rate;
  const lagMs = new Float64Array(count);
  const t0 = performance.now();
  let i = 0;
  let firstSendAt = NaN;
  let lastSendAt = NaN;
  return new Promise((resolve) => {
    const tick = () => {
      let now = performance.now();
      while (i < count && t0 + i * interval <= now) {
        lagMs[i] = now - (t0 + i * interval);
        if (i === 0) firstSendAt = now;
        lastSendAt = now;
        fire(i);
        i++;
        now = performance.now();
      }
      if (i >= count || abort.requested) return resolve({ t0, firstSendAt, lastSendAt, lagMs });
      setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
    };
    tick();
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `done()` or the deadline; returns whether it got done. */
export async function waitUntil(done: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline || abort.requested) return false;
    await sleep(stepMs);
  }
  return true;
}
