/**
 * A broker a round trip away, for benchmarks: every kafkajs client made in this process afterwards gets
 * a socket that delays what the broker sends back by the round trip, in order. The local broker
 * answers in about a millisecond; a production cluster (replicated, acknowledged by every in-sync
 * replica, across a network) takes a few, and what only shows then (a producer that sent one request
 * per batch, session 44) does not show here otherwise.
 *
 * Two ways in: `installSlowBroker(ms)` (bench/producer-round-trip, which changes it between rows), or
 * loaded before a service with BENCH_BROKER_ROUND_TRIP_MS set, e.g. bench/flow's services:
 *   BENCH_BROKER_ROUND_TRIP_MS=5 BENCH_SERVICE_NODE_ARGS='--require ./dist/bench/support/slow-broker.js' \
 *     node dist/bench/flow.js --no-build --rates 250
 * (the load generator's own clients, the floor's among them, stay as they are).
 */
import net from 'node:net';
import type * as KafkaJs from 'kafkajs';
import { delayIncoming } from './delayed-socket';

let roundTripMs = 0;
let installed = false;

/** What the broker sends back is delayed by `ms` (0: as it is) for the clients made from now on. */
export function installSlowBroker(ms: number): void {
  roundTripMs = ms;
  if (installed) return;
  installed = true;
  // The module object itself, whose `Kafka` export every `new Kafka()` of the process reads (an
  // `import * as` would be a copy of it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kafkajs = require('kafkajs') as { Kafka: typeof KafkaJs.Kafka };
  const Original = kafkajs.Kafka;
  kafkajs.Kafka = class extends Original {
    constructor(config: KafkaJs.KafkaConfig) {
      super({ ...config, socketFactory: delayedSocketFactory(roundTripMs) });
    }
  };
}

/** kafkajs's default socket, with what the broker sends delayed by `delay` ms, in order. */
function delayedSocketFactory(delay: number): KafkaJs.ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return delayIncoming(socket, delay);
  };
}

const fromEnv = Number(process.env.BENCH_BROKER_ROUND_TRIP_MS);
if (fromEnv > 0) installSlowBroker(fromEnv);
