import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { queryPrepared, type Statement } from '../database/prepared';
import { type CarriedWrite, carriedCtes } from '../database/write-behind';
import type { Topic, TopicMap } from '../contracts';

export const outboxChannel = (schema: string) => `${schema}_outbox`;

/** This process's relay, as the outbox sees it: whether it publishes now, and a way to wake it. */
export interface LocalRelay {
  readonly leading: boolean;
  /** The rows of a transaction that just committed wait: publish them without waiting for the poll. */
  nudge(): void;
}

/** Set on a transaction's query runner that wrote rows for the local relay to publish after its commit. */
const NUDGE_AFTER_COMMIT = 'pupitre.outbox.nudgeAfterCommit';

/** One row to write: a wrong payload for its topic does not compile. */
export type OutboxEntry = {
  [T in Topic]: { topic: T; key: string; value: TopicMap[T]; headers?: Record<string, string> };
}[Topic];

/**
 * The only way a service emits: the row is written in the caller's transaction, so an event exists
 * if and only if the state change that caused it committed. The relay publishes it.
 */
export class Outbox {
  private local: LocalRelay | null = null;

  constructor(private readonly schema: string) {}

  /**
   * Wakes `relay` in this process after each commit that wrote rows, while it leads, instead of
   * through PostgreSQL's NOTIFY. A transaction that notifies takes, at commit, a lock that every
   * notifying transaction of the cluster shares, and holds it through its WAL flush: such commits
   * cannot be flushed together. On this machine (pgbench, 8 clients, an insert per transaction) NOTIFY
   * halved the commits per second (2,300 against 4,400). Rows inserted while another instance leads
   * still notify; rows inserted while this one led, in a transaction that commits after it lost the
   * lead, wait for the new leader's poll.
   */
  wakeInProcess(dataSource: DataSource, relay: LocalRelay): void {
    this.local = relay;
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => {
        // A savepoint released is not the commit: the rows are not visible yet.
        if (queryRunner.isTransactionActive || !queryRunner.data?.[NUDGE_AFTER_COMMIT]) return;
        delete queryRunner.data[NUDGE_AFTER_COMMIT];
        relay.nudge();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) delete queryRunner.data?.[NUDGE_AFTER_COMMIT];
      },
    };
    dataSource.subscribers.push(subscriber);
  }

  async add<T extends Topic>(
    tx: EntityManager,
    topic: T,
    key: string,
    value: TopicMap[T],
    headers: Record<string, string> = {},
  ): Promise<void> {
    await this.addAll(tx, [{ topic, key, value, headers } as OutboxEntry]);
  }

  /** Many rows in one round trip, their ids in the order given (see `insertion`). */
  async addAll(tx: EntityManager, entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = this.insertion(0, entries, this.wakeAfterCommit(tx));
    await queryPrepared(tx, rows.sql, rows.params);
  }

  /**
   * The caller's `write` (an INSERT, UPDATE or DELETE, which may start with its own WITH) and the row
   * in one statement, one round trip: the row is a data-modifying CTE of `write`, so both happen or
   * neither does. Returns what `write` returns, as `tx.query` would.
   */
  async addWith<T extends Topic, R = unknown>(
    tx: EntityManager,
    write: Statement,
    topic: T,
    key: string,
    value: TopicMap[T],
    headers: Record<string, string> = {},
  ): Promise<R> {
    return this.addAllWith<R>(tx, write, [{ topic, key, value, headers } as OutboxEntry]);
  }

  /**
   * `addWith` for many rows, their ids in the order given (see `insertion`). `carried`: writes that
   * ride in the same statement, each a data-modifying CTE after the rows' (write-behind.ts).
   */
  async addAllWith<R = unknown>(
    tx: EntityManager,
    write: Statement,
    entries: OutboxEntry[],
    carried: CarriedWrite[] = [],
  ): Promise<R> {
    const row = this.insertion(write.params.length, entries, this.wakeAfterCommit(tx));
    const params = [...write.params, ...row.params];
    const withRows = `WITH ${[`outbox_row AS (${row.sql})`, ...carriedCtes(carried, params)].join(', ')}`;
    const sql = LEADING_WITH.test(write.sql)
      ? write.sql.replace(LEADING_WITH, `${withRows}, `)
      : `${withRows} ${write.sql}`;
    return queryPrepared(tx, sql, params);
  }

  /**
   * True when this process's relay leads and will be woken after `tx` commits (`wakeInProcess`); the
   * insert then needs no NOTIFY.
   */
  private wakeAfterCommit(tx: EntityManager): boolean {
    const runner: QueryRunner | undefined = tx.queryRunner;
    if (!this.local?.leading || !runner?.isTransactionActive) return false;
    runner.data = { ...(runner.data ?? {}), [NUDGE_AFTER_COMMIT]: true };
    return true;
  }

  /**
   * The one insert of outbox rows, its placeholders numbered after the `before` parameters of its
   * statement. Ids follow the order given (the relay publishes in id order, so one key's events keep
   * theirs). Unless the local relay is woken after the commit (`wakeInProcess`), the insert notifies
   * the relay's channel: delivered at commit only, and once per transaction however many rows, it
   * wakes the leader wherever it runs without waiting for its poll; in RETURNING it runs even when
   * nothing reads it.
   */
  private insertion(before: number, entries: OutboxEntry[], wokenLocally: boolean): Statement {
    const rows = JSON.stringify(
      entries.map((e) => ({ topic: e.topic, key: e.key, value: e.value, headers: e.headers ?? {} })),
    );
    const insert = `INSERT INTO outbox (topic, aggregate_id, payload, headers)
            SELECT r.e->>'topic', r.e->>'key', r.e->'value', r.e->'headers'
              FROM jsonb_array_elements($${before + 1}::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY r.n`;
    if (wokenLocally) return { sql: insert, params: [rows] };
    return {
      sql: `${insert}
            RETURNING pg_notify($${before + 2}, '')`,
      params: [rows, outboxChannel(this.schema)],
    };
  }
}

const LEADING_WITH = /^\s*WITH\s+/i;
