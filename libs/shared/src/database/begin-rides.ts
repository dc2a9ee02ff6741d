import { Client, Query } from 'pg';
import { statementText } from './prepared';

/**
 * The node-postgres internals this module works with (pg 8; `begin-rides.int-spec.ts` fails if they
 * change): a connection writes protocol messages, and remembers which named statements it parsed
 * (`Query.prepare` reads and writes these maps).
 */
interface Connection {
  stream: { cork(): void; uncork(): void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(query: { text: string; name?: string }): void;
  bind(config: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(config: { portal?: string }): void;
}

/** What node-postgres's Query has that its type declarations leave out. */
interface QueryInternals {
  text?: string;
  name?: string;
  values?: unknown;
  callback?: (err: Error | null, result?: unknown) => void;
  requiresPreparation(): boolean;
  hasBeenParsed(connection: Connection): boolean;
  prepare(connection: Connection): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  handleError(err: Error, connection: Connection): void;
}

/** What the client answers itself: a held BEGIN, and the end of a transaction that never began. */
const answered = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });

/** TypeORM's (`PostgresQueryRunner.startTransaction`) and the usual spelling. */
const BEGIN = /^\s*(?:START\s+TRANSACTION|BEGIN)\s*;?\s*$/i;
/** What ends a transaction whole (not `ROLLBACK TO SAVEPOINT`). */
const END = /^\s*(COMMIT|END|ROLLBACK|ABORT)\s*;?\s*$/i;

/**
 * A prepared statement (it has parameters or a name) sent with a BEGIN before it: Parse, Bind and
 * Execute of BEGIN, then the statement's own messages, under one Sync, in one write. PostgreSQL runs
 * them in order and skips the rest at the first error, so the statement never runs outside the
 * transaction: if BEGIN failed, it was not run.
 *
 * Its answer is the statement's alone: BEGIN's CommandComplete is not counted as a result. node-postgres
 * records a named statement as parsed when a ParseComplete comes while it is the active query; BEGIN's
 * own Parse completes first, so until BEGIN's CommandComplete this query shows no name, and the
 * statement is recorded when its own Parse completes, as without BEGIN.
 *
 * It is its own promise (`then`): TypeORM awaits what `Client.query` returns, which for a query object
 * is the object itself.
 */
class BegunQuery extends Query implements PromiseLike<unknown> {
  private readonly done: Promise<unknown>;
  /** Whether BEGIN's answer is still to come (the statement's name is hidden meanwhile). */
  private beginPending = false;
  /**
   * The statement's name, as node-postgres's Query keeps it: set through `name` by Query's constructor,
   * before this class's fields are (hence `declare`: no field of its own to overwrite it).
   */
  declare private statementName?: string;
  /** Whether this run sent the statement's Parse (a named statement parsed before is only bound). */
  private parsedHere = false;

  constructor(config: unknown, values: unknown) {
    super(config as string, values as unknown[]);
    const self = this as unknown as QueryInternals;
    this.done = new Promise((resolve, reject) => {
      self.callback = (err, result) => (err ? reject(err) : resolve(result));
    }).catch((err: Error) => {
      // As node-postgres does: a stack that leads back to the caller, not to the socket's read.
      Error.captureStackTrace(err);
      throw err;
    });
  }

  /** Hidden while BEGIN's answer is to come, so node-postgres does not take BEGIN's Parse for this one's. */
  get name(): string | undefined {
    return this.beginPending ? undefined : this.statementName;
  }

  set name(name: string | undefined) {
    this.statementName = name;
  }

  then<T = unknown, E = never>(
    onfulfilled?: ((value: unknown) => T | PromiseLike<T>) | null,
    onrejected?: ((reason: unknown) => E | PromiseLike<E>) | null,
  ): Promise<T | E> {
    return this.done.then(onfulfilled, onrejected);
  }

  /**
   * Whether it can go with BEGIN on `connection`: node-postgres would prepare it (a statement it sends
   * as a simple Query may hold several, and PostgreSQL parses a whole Query before running any of it,
   * so a syntax error there would stop BEGIN too), and passes node-postgres's own checks
   * (`Query.submit`), which must not fail once BEGIN is written.
   */
  canRide(connection: unknown): boolean {
    const con = connection as Connection;
    const { text, values } = this as unknown as QueryInternals;
    const name = this.statementName;
    const previous = name && (con.parsedStatements[name] || con.submittedNamedStatements[name]);
    return (
      (this as unknown as QueryInternals).requiresPreparation() &&
      (typeof text === 'string' || typeof name === 'string') &&
      !(text && previous && text !== previous) &&
      (values === undefined || Array.isArray(values))
    );
  }

  override submit = (connection: unknown): null => {
    const con = connection as Connection;
    const self = this as unknown as QueryInternals;
    this.parsedHere = !self.hasBeenParsed(con);
    con.stream.cork();
    try {
      con.parse({ text: 'BEGIN' });
      con.bind({});
      con.execute({});
      // The statement's Parse (unless named and parsed before), Bind, Describe, Execute and Sync.
      self.prepare(con);
      this.beginPending = true;
    } finally {
      con.stream.uncork();
    }
    return null;
  };

  handleCommandComplete(msg: unknown, connection: unknown): void {
    if (this.beginPending) {
      this.beginPending = false;
      return;
    }
    (Query.prototype as unknown as QueryInternals).handleCommandComplete.call(
      this,
      msg,
      connection as Connection,
    );
  }

  handleError(err: Error, connection: unknown): void {
    if (this.beginPending) {
      // BEGIN failed: PostgreSQL skipped the rest up to the Sync, the statement's Parse with it, and
      // node-postgres, seeing no name, did not forget it was sent.
      this.beginPending = false;
      const name = this.statementName;
      if (name && this.parsedHere) delete (connection as Connection).submittedNamedStatements[name];
    }
    (Query.prototype as unknown as QueryInternals).handleError.call(this, err, connection as Connection);
  }
}

/**
 * A node-postgres client whose transactions cost one round trip less: it holds a BEGIN back and sends
 * it with the transaction's first statement (BegunQuery). Every transaction of the services' pools
 * (TypeORM's `START TRANSACTION`, then the statements, then `COMMIT`) goes from n + 2 round trips to
 * n + 1; for a consumer's batch (BEGIN, the lock, the writes, COMMIT) that is four to three (issue 7:
 * each round trip is a wake-up of the service and of its PostgreSQL backend, and with the database
 * a network hop away, that hop).
 *
 * Nothing reaches the server between the held BEGIN and the statement it rides with, so what the
 * transaction sees is the same. A transaction that ends before its first statement never reaches the
 * server: its COMMIT or ROLLBACK is answered here. A BEGIN is held only when asked as a promise
 * (TypeORM's way) on an idle client. A first statement that cannot ride (BegunQuery.canRide; a query
 * with a callback; a custom query object such as a cursor) has the BEGIN sent on its own before it,
 * as without this client.
 */
export class BeginRidesClient extends Client {
  private beginHeld = false;
  private releaseToPool?: unknown;

  /**
   * pg-pool sets the client's `release` each time it gives it out. A BEGIN still held then was left by
   * the previous borrower, whose transaction never reached the server: it must not ride with the next
   * borrower's first statement.
   */
  set release(release: unknown) {
    this.beginHeld = false;
    this.releaseToPool = release;
  }

  get release(): unknown {
    return this.releaseToPool;
  }

  /** Typed `never` only to fit every overload of `Client.query`; it returns what node-postgres's does. */
  override query(...args: unknown[]): never {
    const [config, values, callback] = args;
    const send = (...a: unknown[]) => (Client.prototype.query as (...a: unknown[]) => never).apply(this, a);
    const asPromise =
      typeof values !== 'function' &&
      callback === undefined &&
      typeof (config as { callback?: unknown } | null)?.callback !== 'function';
    const text = statementText(config);
    if (!this.beginHeld) {
      if (!asPromise || !BEGIN.test(text) || (values as unknown[] | undefined)?.length || !this.idle())
        return send(...args);
      this.beginHeld = true;
      return Promise.resolve(answered('BEGIN')) as never;
    }
    this.beginHeld = false;
    const end = asPromise ? END.exec(text) : null;
    if (end)
      return Promise.resolve(answered(/^(COMMIT|END)$/i.test(end[1]) ? 'COMMIT' : 'ROLLBACK')) as never;
    const custom = typeof (config as { submit?: unknown } | null)?.submit === 'function';
    const riding = asPromise && !custom ? new BegunQuery(config, values) : null;
    if (riding?.canRide(this.connection) && this.idle()) return send(riding);
    // BEGIN on a session that was idle fails only with its connection, which fails what follows too.
    void (send('BEGIN') as Promise<unknown>).catch(() => undefined);
    return send(...args);
  }

  /** Idle (ReadyForQuery said so) with nothing running or queued. */
  private idle(): boolean {
    const internals = this as unknown as { _queryQueue: unknown[]; _activeQuery: unknown };
    return (
      this.getTransactionStatus() === 'I' &&
      internals._queryQueue.length === 0 &&
      internals._activeQuery == null
    );
  }
}
