import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * A kind of write that may be held back and sent with others of its kind in one statement: `write`
 * gets them in the order they were added, and must apply them in that order (ids, sequences).
 */
export interface DeferredWriteKind<T> {
  readonly name: string;
  write(tx: EntityManager, items: T[]): Promise<void>;
}

/** A run of consecutive writes of one kind, waiting on a transaction. */
interface Run {
  kind: DeferredWriteKind<unknown>;
  items: unknown[];
}

/** The runs waiting on each transaction's query runner, oldest first. */
const waiting = new WeakMap<QueryRunner, Run[]>();

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
  let runs = waiting.get(runner);
  if (!runs) {
    runs = [];
    waiting.set(runner, runs);
    flushBeforeNextStatement(runner, runs);
  }
  const last = runs[runs.length - 1];
  if (last?.kind === kind) last.items.push(item);
  else runs.push({ kind: kind as DeferredWriteKind<unknown>, items: [item] });
}

/** How many writes wait on `tx` (tests). */
export function writesBehind(tx: EntityManager): number {
  const runs = tx.queryRunner ? waiting.get(tx.queryRunner) : undefined;
  return runs?.reduce((n, r) => n + r.items.length, 0) ?? 0;
}

/**
 * Puts a `query` of its own on the runner, in front of TypeORM's (every statement of a transaction
 * goes through it, COMMIT included), that takes itself off and writes the runs before the statement.
 */
function flushBeforeNextStatement(runner: QueryRunner, runs: Run[]): void {
  const own = Object.hasOwn(runner, 'query') ? runner.query : undefined;
  const next = runner.query;
  runner.query = async function (this: QueryRunner, query: string, ...rest: unknown[]) {
    if (own) runner.query = own;
    else delete (runner as Partial<QueryRunner>).query;
    waiting.delete(runner);
    if (!ROLLBACK.test(textOf(query))) {
      for (const run of runs) await run.kind.write(runner.manager, run.items);
    }
    return (next as (...args: unknown[]) => Promise<unknown>).call(runner, query, ...rest);
  } as QueryRunner['query'];
}
