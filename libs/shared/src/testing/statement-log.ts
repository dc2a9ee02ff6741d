import type { DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';

/**
 * One statement a service sent to PostgreSQL: one round trip, but for START TRANSACTION, which rides
 * with the transaction's next statement (BeginRidesClient).
 */
export interface LoggedStatement {
  sql: string;
  params: unknown[];
}

/**
 * The statements a service's DataSource runs, grouped by transaction: for tests that pin how many
 * round trips an operation costs (count statements, never time them). It listens as a TypeORM
 * subscriber, which hears every statement of the DataSource's query runners, BEGIN and COMMIT included.
 */
export interface StatementLog {
  /** Each transaction begun since the log started or was cleared: its statements, START TRANSACTION first. */
  transactions(): LoggedStatement[][];
  clear(): void;
  stop(): void;
}

export function statementLog(dataSource: DataSource): StatementLog {
  let byRunner = new Map<QueryRunner, LoggedStatement[]>();
  const subscriber: EntitySubscriberInterface = {
    beforeQuery: ({ query, parameters, queryRunner }) => {
      const statements = byRunner.get(queryRunner) ?? [];
      // A prepared statement comes as an object (database/prepared.ts): its text is what was run.
      statements.push({ sql: String(query), params: parameters ?? [] });
      byRunner.set(queryRunner, statements);
    },
  };
  dataSource.subscribers.push(subscriber);
  return {
    // Statements outside a transaction (none started on that runner before them) are left out.
    transactions: () =>
      [...byRunner.values()].flatMap((statements) =>
        statements.reduce<LoggedStatement[][]>((txs, s) => {
          if (s.sql === 'START TRANSACTION') txs.push([]);
          txs.at(-1)?.push(s);
          return txs;
        }, []),
      ),
    clear: () => {
      byRunner = new Map();
    },
    stop: () => {
      dataSource.subscribers.splice(dataSource.subscribers.indexOf(subscriber), 1);
    },
  };
}
