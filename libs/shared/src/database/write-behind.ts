import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * A kind of write that may be held back and sent with others of its kind in one statement: `write`
 * gets them in the order they were added, and must apply them in that order (ids, sequences).
 */
export interface DeferredWriteKind<T> {
  write(tx: EntityManager, items: T[]): Promise<void>;
}

/** A run of consecutive writes of one kind, waiting on a transaction. */
interface Run {
  kind: DeferredWriteKind<unknown>;
  items: unknown[];
}

/** What waits on a transaction's query runner, and the flush under way, if any. */
interface Held {
  runs: Run[];
  flushing: Promise<void> | null;
  /** The transaction as the writes see it: their statements go straight to TypeORM's `query`. */
  direct: EntityManager;
}

const held = new WeakMap<QueryRunner, Held>();

/** What the transaction's next statement says, whether a string or a prepared statement's object. */
const textOf = (query: unknown): string =>
  typeof query === 'string' ? query : String((query as { text?: unknown })?.text ?? '');

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
  if (!runner?.isTransactionActive) return kind.write(tx, [item]);
  const { runs } = held.get(runner) ?? flushBeforeEachStatement(runner);
  const last = runs[runs.length - 1];
  if (last?.kind === kind) last.items.push(item);
  else runs.push({ kind: kind as DeferredWriteKind<unknown>, items: [item] });
}

/** How many writes wait on `tx` (tests). */
export function writesBehind(tx: EntityManager): number {
  const state = tx.queryRunner ? held.get(tx.queryRunner) : undefined;
  return state?.runs.reduce((n, r) => n + r.items.length, 0) ?? 0;
}

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
  const state: Held = { runs: [], flushing: null, direct };
  held.set(runner, state);
  runner.query = async function (this: QueryRunner, query: string, ...rest: unknown[]) {
    if (ROLLBACK.test(textOf(query))) state.runs = [];
    else await flush(state);
    return next.call(runner, query, ...rest);
  } as QueryRunner['query'];
  return state;
}

async function flush(state: Held): Promise<void> {
  while (state.flushing) await state.flushing;
  if (state.runs.length === 0) return;
  const runs = state.runs;
  state.runs = [];
  state.flushing = (async () => {
    for (const run of runs) await run.kind.write(state.direct, run.items);
  })().finally(() => (state.flushing = null));
  await state.flushing;
}
