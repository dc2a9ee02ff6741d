/**
 * bench/pg-waits — what the sessions of the bench's databases wait for, second by second, while a
 * bench runs beside it. Prints figures; not a test.
 *
 *   node dist/bench/pg-waits.js [--every-ms 50] [--databases 'pupitre_bench_%'] > waits.txt &
 *   ... run bench/flow ..., then kill %1 (SIGTERM or SIGINT prints the last second)
 *
 * Every `--every-ms` it reads pg_stat_activity over one connection (a query of its own, no process
 * per sample) and counts the sessions that are not idle by what they wait for: `Lock:<event>:<the
 * statement's start>` for a lock (which statement waits), else `<state>:<wait type>:<event>`
 * (`idle in transaction:Client:ClientRead` is a transaction waiting for its client: the service's
 * next statement, a round trip away or behind its event loop). One line a second:
 * `HH:MM:SS <samples taken> {"<key>": samples, …}`; a key's samples divided by the samples taken
 * that second (at most 20 at 50 ms: each waits for its query too) is how many sessions were in that
 * state on average. Session 46 found conversation's request
 * batches waiting on each other's row locks this way (bench/results/*answer-keys*).
 */
import { Client } from 'pg';
import { textOption } from './support/cli';
import { ADMIN_PG_URL } from './support/infra';

async function main(): Promise<void> {
  const everyMs = Number(textOption('every-ms') ?? '50');
  const databases = textOption('databases') ?? 'pupitre_bench_%';
  if (!Number.isFinite(everyMs) || everyMs < 1) throw new Error(`--every-ms must be a number ≥ 1`);
  const client = new Client({ connectionString: ADMIN_PG_URL });
  await client.connect();
  const counts = new Map<string, number>();
  let second = '';
  let samples = 0;
  const flush = () => {
    if (second && counts.size > 0)
      process.stdout.write(`${second} ${samples} ${JSON.stringify(Object.fromEntries(counts))}\n`);
    counts.clear();
    samples = 0;
  };
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  while (!stopping) {
    const { rows } = await client.query<{ state: string; type: string; event: string; query: string }>(
      `SELECT state, coalesce(wait_event_type, 'cpu') AS type, coalesce(wait_event, '-') AS event,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 40) AS query
         FROM pg_stat_activity
        WHERE datname LIKE $1 AND state <> 'idle' AND pid <> pg_backend_pid()`,
      [databases],
    );
    const now = new Date().toISOString().slice(11, 19);
    if (now !== second) {
      flush();
      second = now;
    }
    samples++;
    for (const r of rows) {
      const key = r.type === 'Lock' ? `Lock:${r.event}:${r.query}` : `${r.state}:${r.type}:${r.event}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  flush();
  await client.end();
}

main().catch((err: Error) => {
  process.stderr.write(`pg-waits: ${err.message}\n`);
  process.exitCode = 1;
});
