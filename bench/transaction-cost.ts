/**
 * bench/transaction-cost — what a batch-shaped transaction costs with its BEGIN riding with its first
 * statement (BeginRidesClient, the services' pools) against node-postgres's own client, which sends
 * BEGIN as a round trip of its own (the floor). Prints figures; not a test.
 *
 *   npm run bench:transaction-cost -- [--transactions 3000] [--rounds 4] [--pg-round-trip-ms 0]
 *
 * Each transaction is what a consumer's batch sends, one statement after another as TypeORM does:
 * START TRANSACTION, a locking read of 20 rows (prepared, with parameters), their update (prepared),
 * COMMIT. The two clients run in turns (floor, rides, floor, rides, …), each on its own session of a
 * scratch database, so both see the same machine. For each: round trips a transaction (the server's
 * ReadyForQuery messages), its wall time, the CPU of this process and of the session's PostgreSQL
 * backend, and the backend's context switches. `--pg-round-trip-ms` delays what PostgreSQL sends back
 * (bench/support/slow-postgres.ts), as a database a network hop away.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import { prepared } from '../libs/shared/src/database/prepared';
import { integerOption, say } from './support/cli';
import { CpuMeter } from './support/cpu';
import { installSlowPostgres } from './support/slow-postgres';

const ROWS = 20;
const LOCK = prepared('SELECT id, n FROM item WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE');
const UPDATE = prepared('UPDATE item SET n = n + 1 WHERE id = ANY($1::int[])');

interface Totals {
  transactions: number;
  roundTrips: number;
  wallMs: number;
  clientCpuMs: number;
  backendCpuMs: number;
  backendSwitches: number;
}

const zeroTotals = (): Totals => ({
  transactions: 0,
  roundTrips: 0,
  wallMs: 0,
  clientCpuMs: 0,
  backendCpuMs: 0,
  backendSwitches: 0,
});

interface Arm {
  label: string;
  client: Client;
  meter: CpuMeter;
  roundTrips: number;
  totals: Totals;
}

async function open(label: string, url: string, make: (url: string) => Client): Promise<Arm> {
  const client = make(url);
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const meter = new CpuMeter([{ label: 'backend', pids: () => [rows[0].pid] }]);
  const arm: Arm = {
    label,
    client,
    meter,
    roundTrips: 0,
    totals: zeroTotals(),
  };
  const connection = (client as unknown as { connection: { on(e: string, fn: () => void): void } })
    .connection;
  connection.on('readyForQuery', () => arm.roundTrips++);
  return arm;
}

/** `n` transactions on `arm`'s session, as a consumer's batch sends them; adds what they cost. */
async function round(arm: Arm, n: number, offset: number): Promise<void> {
  const { client } = arm;
  const roundTripsBefore = arm.roundTrips;
  const meterBefore = arm.meter.sample();
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  for (let i = 0; i < n; i++) {
    const first = ((offset + i) * ROWS) % 1000;
    const ids = Array.from({ length: ROWS }, (_, k) => first + k);
    await client.query('START TRANSACTION');
    await client.query(LOCK, [ids]);
    await client.query(UPDATE, [ids]);
    await client.query('COMMIT');
  }
  const wallMs = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  const backend = arm.meter.between(meterBefore, arm.meter.sample());
  const t = arm.totals;
  t.transactions += n;
  t.roundTrips += arm.roundTrips - roundTripsBefore;
  t.wallMs += wallMs;
  t.clientCpuMs += (cpu.user + cpu.system) / 1000;
  t.backendCpuMs += (backend.cpuSeconds.get('backend') ?? 0) * 1000;
  t.backendSwitches += backend.switches.get('backend') ?? 0;
}

const perTx = (total: number, t: Totals, scale = 1) => ((total / t.transactions) * scale).toFixed(1);

async function main(): Promise<void> {
  const transactions = integerOption('transactions', 3000, 1, 1_000_000);
  const rounds = integerOption('rounds', 4, 1, 100);
  const roundTripMs = integerOption('pg-round-trip-ms', 0, 0, 1000);
  // Before pg loads: its connection module takes its socket factory when it is first required.
  if (roundTripMs > 0) installSlowPostgres(roundTripMs);
  const { Client } = await import('pg');
  const { BeginRidesClient } = await import('../libs/shared/src/database/begin-rides');
  const { createDatabase, databaseUrl, dropDatabase } = await import('./support/infra');
  const name = `pupitre_bench_txcost_${randomBytes(4).toString('hex')}`;
  await createDatabase(name);
  const arms: Arm[] = [];
  try {
    const url = databaseUrl(name);
    const setup = new Client({ connectionString: url });
    await setup.connect();
    await setup.query('CREATE TABLE item (id int PRIMARY KEY, n int NOT NULL)');
    await setup.query('INSERT INTO item SELECT g, 0 FROM generate_series(0, 999) g');
    await setup.end();
    arms.push(
      await open(
        "floor: node-postgres's client, BEGIN alone",
        url,
        (u) => new Client({ connectionString: u }),
      ),
    );
    arms.push(
      await open(
        'BeginRidesClient, BEGIN with the lock',
        url,
        (u) => new BeginRidesClient({ connectionString: u }),
      ),
    );
    // Warm-up: each statement prepared on each session, the JIT warm.
    for (const arm of arms) await round(arm, Math.min(200, transactions), 0);
    for (const arm of arms) arm.totals = zeroTotals();
    for (let r = 0; r < rounds; r++) {
      for (const arm of arms) {
        await round(arm, transactions, r * transactions);
        say(
          `round ${r + 1}/${rounds} ${arm.label}: ${perTx(arm.totals.wallMs, arm.totals, 1000)} µs a transaction so far`,
        );
      }
    }
    process.stdout.write(
      `=== bench/transaction-cost ===\n` +
        `${rounds} rounds of ${transactions} transactions per client, in turns; each: START TRANSACTION, a locking read of ${ROWS} rows, their update, COMMIT` +
        (roundTripMs > 0
          ? `; PostgreSQL ${roundTripMs} ms away (what it sends back delayed)`
          : '; the local PostgreSQL') +
        `\n\n` +
        'client                                        round trips  wall µs  this process CPU µs  backend CPU µs  backend switches   (each per transaction)\n',
    );
    for (const { label, totals: t } of arms) {
      process.stdout.write(
        `${label.padEnd(46)}${perTx(t.roundTrips, t).padStart(11)}${perTx(t.wallMs, t, 1000).padStart(9)}` +
          `${perTx(t.clientCpuMs, t, 1000).padStart(21)}${perTx(t.backendCpuMs, t, 1000).padStart(16)}` +
          `${perTx(t.backendSwitches, t).padStart(18)}\n`,
      );
    }
  } finally {
    for (const arm of arms) await arm.client.end().catch(() => undefined);
    await dropDatabase(name);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`transaction-cost: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
