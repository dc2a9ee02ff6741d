import { performance } from 'node:perf_hooks';

/**
 * Two figures of the machine itself, measured by the load generator before anything else starts, so
 * that runs on different machines can be read side by side. The same-run floor says what the bare
 * parts reach on this machine; these say why it may be lower than another day's:
 *
 * - `jsonRoundTripUs`: one JSON.stringify + JSON.parse of an event the size of a `message.posted`
 *   (about 660 bytes), the best of five rounds: the speed of a core for the JavaScript every hop does.
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
const ROUNDS = 5;
const WAKEUP_MS = 1000;

export async function measureYardstick(): Promise<Yardstick> {
  // The wake-ups first, so that no GC or compilation left by the JSON rounds falls in their second.
  const wakeupUs = await wakeupCost();
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++)
      sink += (JSON.parse(JSON.stringify(EVENT)) as typeof EVENT).type.length;
    // Round 0 warms the JIT up and is not counted.
    if (round > 0) best = Math.min(best, ((performance.now() - started) * 1000) / ROUND_TRIPS);
  }
  // Reading the sum keeps V8 from dropping the round trips as unused.
  if (sink === 0) throw new Error('the JSON round trips produced nothing');
  return { jsonRoundTripUs: best, wakeupUs };
}

function wakeupCost(): Promise<number> {
  return new Promise((resolve) => {
    const cpu = process.cpuUsage();
    const until = performance.now() + WAKEUP_MS;
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
