/**
 * A database a round trip away, for benchmarks: every `pg` connection made in this process afterwards
 * gets a socket that delays what PostgreSQL sends back by the round trip, in order. The local server
 * answers in tens of microseconds; a managed database in another zone, or behind a pooler, takes a
 * millisecond or more, and each batch transaction makes its statements one after another, so what
 * only shows then (a stage whose throughput is its round trips, not its CPU) does not show here
 * otherwise. The broker's distance is `slow-broker.ts`.
 *
 * Loaded before a service with BENCH_PG_ROUND_TRIP_MS set, e.g. bench/flow's services:
 *   BENCH_PG_ROUND_TRIP_MS=2 BENCH_SERVICE_NODE_ARGS='--require ./dist/bench/support/slow-postgres.js' \
 *     node dist/bench/flow.js --no-build --rates 250
 * (the load generator's own clients, the floor's among them, stay as they are). It must be loaded
 * before `pg`: pg's connection module takes its socket factory when it is first required.
 */
import type net from 'node:net';
import { delayIncoming } from './delayed-socket';

/** What PostgreSQL sends back is delayed by `ms` for the connections made from now on. */
export function installSlowPostgres(ms: number): void {
  // The module object pg's Connection destructures its `getStream` from when it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const streams = require('pg/lib/stream') as { getStream: (ssl: unknown) => net.Socket };
  const original = streams.getStream;
  streams.getStream = (ssl) => delayIncoming(original(ssl), ms);
}

const fromEnv = Number(process.env.BENCH_PG_ROUND_TRIP_MS);
if (fromEnv > 0) installSlowPostgres(fromEnv);
