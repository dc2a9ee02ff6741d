import { performance } from 'node:perf_hooks';

/**
 * Two figures of the machine itself, measured by the load generator before anything else starts, so
 * that runs on different machines can be read side by side. The same-run floor says what the bare
 * parts reach on this machine; these say why it may be lower than another day's:
 *
 * - `jsonRoundTripUs`: one JSON.stringify + JSON.parse of an event the size of a `message.posted`
 *   (about 660 bytes), the best of ten rounds: the speed of a core for the JavaScript every hop does.
 *   It does not go through Pupitre's code, so a change to that code leaves it where it was.
 * - `wakeupUs`: the CPU (user + system) a process spends for each wake-up of a 1-ms timer that
 *   re-arms itself for a second. Every Kafka request and PostgreSQL statement wakes a process; on a
 *   virtual machine this costs tens of microseconds (bench/results, session 23), and at low rates the
 *   services pay it for every message.
 */
export interface Yardstick {
  jsonRoundTripUs: number;
  wakeupUs: number;
}

const EVENT = {
  eventId: '6f1c2a3e-5b4d-4e8f-9a0b-1c2d3e4f5a6b',
  type: 'message.posted',
  occurredAt: '2026-12-03T12:00:00.000Z',
  correlationId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  causationId: null,
  data: {
    conversationId: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
    message: {
      messageId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
      clientMessageId: 'c-000123',
      author: { kind: 'visitor', visitorId: '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a' },
      text: 'Bonjour, ma commande n’est pas arrivée, pouvez-vous vérifier ?',
      createdAt: '2026-12-03T12:00:00.000Z',
    },
    channel: 'web_chat',
    visitorMessagesSinceAgent: 3,
    deadlines: { reassignAt: '2026-12-04T00:00:00.000Z', closeAt: null },
  },
};

const EVENT_BYTES = Buffer.byteLength(JSON.stringify(EVENT));
const ROUND_TRIPS = 20_000;
/**
 * Rounds of 20,000 counted, after one that is not. The best of ten rather than five: a fresh process
 * on session 28's machine ran its first rounds at up to 1.7 times the time of the later ones, and the
 * machine's speed changes over seconds (CoreSpeedProbe).
 */
const ROUNDS = 10;
const WAKEUP_WARMUP_MS = 250;
const WAKEUP_MS = 1000;

export async function measureYardstick(): Promise<Yardstick> {
  let best = Infinity;
  for (let round = 0; round <= ROUNDS; round++) {
    const us = roundTripUs(ROUND_TRIPS);
    // Round 0 warms the JIT up and is not counted.
    if (round > 0) best = Math.min(best, us);
  }
  // A quarter of a second of wake-ups unmeasured first: the timer's path gets compiled, and what the
  // JSON rounds left to the collector is done before the measured second.
  await wakeupCost(WAKEUP_WARMUP_MS);
  return { jsonRoundTripUs: best, wakeupUs: await wakeupCost(WAKEUP_MS) };
}

/** Microseconds per JSON round trip of EVENT, over `n` of them. */
function roundTripUs(n: number): number {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) sink += (JSON.parse(JSON.stringify(EVENT)) as typeof EVENT).type.length;
  const us = ((performance.now() - started) * 1000) / n;
  // Reading the sum keeps V8 from dropping the round trips as unused.
  if (sink === 0) throw new Error('the JSON round trips produced nothing');
  return us;
}

/** Round trips per sample of CoreSpeedProbe: about a millisecond of the load generator's loop. */
const PROBE_ROUND_TRIPS = 100;

/**
 * The same round trips, sampled while a run goes on (every 250 ms, about a millisecond each). The
 * machine's speed is not constant: on session 28's machine, whole seconds of JSON round trips took
 * 14 µs and then 8.7 µs again, in one process on one core, with no steal counted. So the speed of a
 * core is sampled during the floor and during each step, and a floor slowed that way can be told
 * from a slow system. What a sample measures includes any preemption in it, so the best sample of a
 * window is the figure: it is slow only if the whole window was.
 */
export class CoreSpeedProbe {
  private samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 250) {
    this.timer = setInterval(() => this.samples.push(roundTripUs(PROBE_ROUND_TRIPS)), everyMs);
    this.timer.unref();
  }

  /** The best sample since the last call (NaN if none), and starts a new window. */
  window(): number {
    const best = this.samples.length > 0 ? Math.min(...this.samples) : NaN;
    this.samples = [];
    return best;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** CPU per wake-up over `ms` of a self-re-arming 1-ms timer. */
function wakeupCost(ms: number): Promise<number> {
  return new Promise((resolve) => {
    const cpu = process.cpuUsage();
    const until = performance.now() + ms;
    let wakeups = 0;
    const tick = () => {
      wakeups++;
      if (performance.now() < until) {
        setTimeout(tick, 1);
        return;
      }
      const used = process.cpuUsage(cpu);
      resolve((used.user + used.system) / wakeups);
    };
    setTimeout(tick, 1);
  });
}

export function describeYardstick(y: Yardstick): string {
  return (
    `a JSON round trip of a ${EVENT_BYTES}-byte event ${y.jsonRoundTripUs.toFixed(2)} µs (best of ${ROUNDS}); ` +
    `a timer wake-up ${y.wakeupUs.toFixed(0)} µs of CPU (bench/support/yardstick.ts)`
  );
}
