import type { EntityManager, QueryRunner } from 'typeorm';
import { queryPrepared, type Statement, statementText } from './prepared';

/**
 * A write that rides in another statement (writeCarried): its placeholders numbered after the `before`
 * parameters of the statement that carries it.
 */
export type CarriedWrite = (before: number) => Statement;

/**
 * A kind of write that may be held back and sent with others of its kind in one statement: `write`
 * gets them in the order they were added, and must apply them in that order (ids, sequences).
 */
export interface DeferredWriteKind<T> {
  /**
   * `carried`: writes to run as data-modifying CTEs of the same statement (writeCarried), none unless
   * the kind `carries`.
   */
  write(tx: EntityManager, items: T[], carried: CarriedWrite[]): Promise<void>;
  /** Whether `write` runs the writes it is handed (`carried`) in its statement. */
  readonly carries?: boolean;
}

/** A run of consecutive writes of one kind, waiting on a transaction. */
interface Run {
  kind: DeferredWriteKind<unknown>;
  items: unknown[];
}

/** What waits on a transaction's query runner, and the flush under way, if any. */
interface Held {
  runs: Run[];
  /** Writes to ride in the last run's statement (writeCarried). */
  carried: CarriedWrite[];
  flushing: Promise<void> | null;
  /** The transaction as the writes see it: their statements go straight to TypeORM's `query`. */
  direct: EntityManager;
}

const held = new WeakMap<QueryRunner, Held>();

/** A rollback, whole or to a savepoint, throws away what was held back rather than writing it first. */
const ROLLBACK = /^\s*ROLLBACK\b/i;

/**
 * Holds `item` back and writes it, with the items of its kind added right before it, just before the
 * transaction's next statement, whoever runs it (the next request of a batch, the inbox, COMMIT).
 * So a batch's writes of one kind cost one round trip to PostgreSQL instead of one each (issue 7:
 * round trips were the largest cost left in conversation and in PostgreSQL), and nothing reads or
 * writes in between: every later statement of the transaction sees them, in the order given.
 *
 * What is held back is the caller's work as if done: ids and times must be chosen before (a reply
 * may carry them), and a write that fails makes the statement that flushed it fail, so the
 * transaction is rolled back as if the write itself had failed. A rollback throws held-back writes
 * away: a savepoint's statement flushes first, so what a `ROLLBACK TO SAVEPOINT` drops was added
 * after it. Outside a transaction there is no next statement to wait for: written at once.
 */
export async function writeBehind<T>(tx: EntityManager, kind: DeferredWriteKind<T>, item: T): Promise<void> {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) return kind.write(tx, [item], []);
  const { runs } = held.get(runner) ?? flushBeforeEachStatement(runner);
  const last = runs[runs.length - 1];
  if (last?.kind === kind) last.items.push(item);
  else runs.push({ kind: kind as DeferredWriteKind<unknown>, items: [item] });
}

/**
 * Writes `write` in the statement that writes what `tx` holds back (writeBehind), as a data-modifying
 * CTE of its last run's, when that run's kind carries others: one round trip instead of two (a request
 * batch's inbox rows ride with its messages). Otherwise at once, after what is held back. It runs on
 * the snapshot of the statement carrying it, so it must neither read what the held writes write nor
 * write what they read; it returns nothing. A carried write that fails fails the statement that
 * flushes it (the next one, COMMIT at the latest, or flushWrites), and the transaction with it, as a
 * held write does.
 */
export async function writeCarried(tx: EntityManager, write: CarriedWrite): Promise<void> {
  const state = stateOf(tx);
  if (state?.runs.at(-1)?.kind.carries) {
    state.carried.push(write);
    return;
  }
  const { sql, params } = write(0);
  await queryPrepared(tx, sql, params);
}

/**
 * Writes now what `tx` holds back, with what they carry, rather than before its next statement: for a
 * caller that must check something once they are written and before it commits (RequestProcessor's
 * last deadline check).
 */
export async function flushWrites(tx: EntityManager): Promise<void> {
  const state = stateOf(tx);
  if (state) await flush(state);
}

/**
 * What a kind that carries writes puts in its statement's WITH: their CTEs (`carried_1`, …), their
 * parameters appended to `params`, numbered after the ones already there.
 */
export function carriedCtes(carried: CarriedWrite[], params: unknown[]): string[] {
  return carried.map((carry, i) => {
    const c = carry(params.length);
    params.push(...c.params);
    return `carried_${i + 1} AS (${c.sql})`;
  });
}

/** How many writes wait on `tx` (tests). */
export function writesBehind(tx: EntityManager): number {
  return stateOf(tx)?.runs.reduce((n, r) => n + r.items.length, 0) ?? 0;
}

const stateOf = (tx: EntityManager): Held | undefined =>
  tx.queryRunner ? held.get(tx.queryRunner) : undefined;

/**
 * Puts a `query` of its own on the runner (a transaction's, used once), in front of TypeORM's: every
 * statement of the transaction goes through it, COMMIT included, and first waits for what is held
 * back to be written. It stays for the runner's life, so a wrapper put on after it keeps working, and
 * a statement run alongside a flush (`Promise.all`) waits for that flush rather than passing it.
 */
function flushBeforeEachStatement(runner: QueryRunner): Held {
  const next = runner.query as (...args: unknown[]) => Promise<unknown>;
  const direct = new Proxy(runner.manager, {
    get: (target, prop, receiver) =>
      prop === 'query'
        ? (query: string, parameters?: unknown[]) => next.call(runner, query, parameters)
        : Reflect.get(target, prop, receiver),
  });
  const state: Held = { runs: [], carried: [], flushing: null, direct };
  held.set(runner, state);
  runner.query = async function (this: QueryRunner, query: string, ...rest: unknown[]) {
    if (ROLLBACK.test(statementText(query))) {
      state.runs = [];
      state.carried = [];
    } else await flush(state);
    return next.call(runner, query, ...rest);
  } as QueryRunner['query'];
  return state;
}

async function flush(state: Held): Promise<void> {
  while (state.flushing) await state.flushing;
  if (state.runs.length === 0) return;
  const { runs, carried } = state;
  state.runs = [];
  state.carried = [];
  state.flushing = (async () => {
    // The last run carries what was handed to it; a run added after (writeBehind), of a kind that does
    // not carry, leaves them to a statement each, after it.
    const carrier = runs.at(-1)?.kind.carries ? runs.length - 1 : -1;
    for (const [i, run] of runs.entries())
      await run.kind.write(state.direct, run.items, i === carrier ? carried : []);
    if (carrier >= 0) return;
    for (const carry of carried) {
      const { sql, params } = carry(0);
      await queryPrepared(state.direct, sql, params);
    }
  })().finally(() => (state.flushing = null));
  await state.flushing;
}
