import type { EntityManager } from 'typeorm';
import { queryPrepared } from './prepared';

/**
 * Runs an UPDATE/DELETE ... RETURNING and gives its rows. TypeORM's postgres driver answers those
 * commands with `[rows, rowCount]` instead of the rows alone; this is the one place that knows.
 */
export async function returningRows<T>(tx: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return returnedRows<T>(await queryPrepared(tx, sql, params));
}

/** The rows of what `tx.query` answered, an UPDATE/DELETE ... RETURNING's included (above). */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
