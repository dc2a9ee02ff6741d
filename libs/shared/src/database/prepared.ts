import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** A statement and its parameters, `$1`…`$n` in `sql` for n = `params.length`. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** What node-postgres takes for a named statement; `toString` keeps TypeORM's error messages readable. */
export interface PreparedStatement {
  name: string;
  text: string;
  toString(): string;
}

const names = new Map<string, string>();

/** What a statement says, whether given as a string or as an object with its text (`prepared`, pg's). */
export const statementText = (query: unknown): string =>
  typeof query === 'string' ? query : String((query as { text?: unknown } | null)?.text ?? '');

/** The statement's name: the same text always gets the same name, different texts different names. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `p_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A statement PostgreSQL parses and plans once per connection rather than at every run: for the hot
 * path's statements, planning cost more than running them (the visitor message's read: ~1 ms to plan,
 * ~0.2 ms to run), and at 1,000 visitor messages/s PostgreSQL was the largest user of the two cores
 * (issue 7's note). node-postgres keeps which names each connection has prepared; after five runs
 * PostgreSQL keeps the generic plan when it is no worse. Only for fixed texts (no SQL built from data),
 * so each connection holds a handful of them. A fresh object per run: node-postgres writes the values
 * into it.
 */
export function prepared(text: string): PreparedStatement {
  return { name: nameOf(text), text, toString: () => text };
}

/**
 * A statement whose result columns come from `*` (`SELECT *`, `c.*`, `RETURNING *`): a column a
 * migration adds changes its result type, and PostgreSQL then refuses to run the prepared statement
 * ("cached plan must not change result type") on every connection of the instances still running the
 * old version during a rolling deploy. Such statements run unprepared.
 */
const STAR_COLUMNS = /(?:\bSELECT|\bRETURNING|\.)\s*\*/i;

/**
 * `tx.query` with a prepared statement (TypeORM passes the object through to node-postgres), unless
 * its columns come from `*` (above).
 */
export function queryPrepared<T = unknown>(tx: EntityManager, text: string, params: unknown[]): Promise<T> {
  const statement = STAR_COLUMNS.test(text) ? text : (prepared(text) as unknown as string);
  return tx.query(statement, params) as Promise<T>;
}
