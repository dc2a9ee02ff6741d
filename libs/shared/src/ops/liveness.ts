import type { Consumer } from 'kafkajs';

/** What the consumer loop has shown of itself; `now` and the threshold are the caller's. */
export interface LoopFacts {
  /** Why the loop is gone for good (a crash kafkajs will not restart, a stop nobody asked for), or null. */
  dead: string | null;
  /** When the loop last showed progress: a fetch, a heartbeat, a join, a message handled, a restart. */
  lastProgressAt: number;
}

export interface Liveness {
  live: boolean;
  reason?: string;
}

/**
 * The consumer loop is alive when it has not died and has shown progress within `maxStallMs`.
 * An idle consumer still fetches (every KAFKA_MAX_WAIT_MS) and heartbeats, so only a loop stuck in a
 * handler, or one kafkajs gave up on, goes quiet. A broker outage is not a stall: kafkajs keeps
 * restarting the consumer (each restart counts), and readiness reports the broker instead.
 */
export function consumerLiveness(facts: LoopFacts, now: number, maxStallMs: number): Liveness {
  if (facts.dead) return { live: false, reason: facts.dead };
  const quietFor = now - facts.lastProgressAt;
  if (quietFor > maxStallMs) {
    return { live: false, reason: `consumer loop shows no progress for ${Math.round(quietFor / 1000)} s` };
  }
  return { live: true };
}

/** Follows one kafkajs consumer's events into LoopFacts (KafkaServer keeps one). */
export class ConsumerLoopState implements LoopFacts {
  dead: string | null = null;
  lastProgressAt = Date.now();
  private shuttingDown = false;

  watch(consumer: Consumer): void {
    const progressed = () => this.progressed();
    const e = consumer.events;
    for (const event of [e.FETCH_START, e.HEARTBEAT, e.GROUP_JOIN, e.CONNECT, e.START_BATCH_PROCESS]) {
      consumer.on(event, progressed);
    }
    consumer.on(e.CRASH, ({ payload }) => {
      if (payload.restart) return this.progressed(); // kafkajs starts it again
      this.dead = `consumer crashed and will not restart: ${payload.error?.message ?? 'unknown error'}`;
    });
    consumer.on(e.STOP, () => {
      if (!this.shuttingDown && !this.dead) this.dead = 'consumer stopped';
    });
  }

  progressed(): void {
    this.lastProgressAt = Date.now();
  }

  /** The app is closing: the stop that follows is asked for. */
  closing(): void {
    this.shuttingDown = true;
  }
}
