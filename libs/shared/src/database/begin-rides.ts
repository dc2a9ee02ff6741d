import { Client, Query } from 'pg';

/**
 * The node-postgres internals this module works with: a connection writes protocol messages, and
 * remembers which named statements it parsed (`Query.prepare` reads and writes these maps).
 */
interface Connection {
  stream: { cork(): void; uncork(): void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(query: { text: string; name?: string }): void;
  bind(config: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(config: { portal?: string }): void;
  query(text: string): void;
}

/** What node-postgres's Query has that its type declarations leave out. */
interface QueryInternals {
  text?: string;
  name?: string;
  values?: unknown;
  queryMode?: string;
  callback?: (err: Error | null, result?: unknown) => void;
  requiresPreparation(): boolean;
  prepare(connection: Connection): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  handleError(err: Error, connection: Connection): void;
}

/** What a client answers for a BEGIN it holds, and for the COMMIT or ROLLBACK of a transaction that never reached the server. */
const answered = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });

/** TypeORM's (`PostgresQueryRunner.startTransaction`) and the usual spelling. */
const BEGIN = /^\s*(?:START\s+TRANSACTION|BEGIN)\s*;?\s*$/i;
/** What ends a transaction whole (not `ROLLBACK TO SAVEPOINT`). */
const END = /^\s*(COMMIT|END|ROLLBACK|ABORT)\s*;?\s*$/i;

const textOf = (config: unknown): string | undefined =>
  typeof config === 'string' ? config : (config as { text?: string } | null)?.text;

/**
 * A statement sent with a BEGIN before it, in one message: the transaction's first round trip carries
 * both. A statement node-postgres prepares (it has parameters or a name) goes as Parse, Bind, Execute
 * of BEGIN, then its own, under one Sync; one it sends as a simple Query (text alone, perhaps several
 * statements) goes as `BEGIN;` and its text in one Query. Either way PostgreSQL runs them in order and
 * skips the rest at the first error, so the statement never runs outside the transaction: if BEGIN
 * failed, it was not run.
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
  /** The statement's name, as node-postgres's Query keeps it. */
  private statementName?: string;
  /** Whether this run sent the statement's Parse (a named statement parsed before is only bound). */
  private parsedHere = false;

  constructor(config: unknown, values: unknown) {
    super(config as string, values as unknown[]);
    const self = this as unknown as QueryInternals;
    this.statementName = self.name;
    Object.defineProperty(this, 'name', {
      get: () => (this.beginPending ? undefined : this.statementName),
      set: (name?: string) => (this.statementName = name),
    });
    this.done = new Promise((resolve, reject) => {
      self.callback = (err, result) => (err ? reject(err) : resolve(result));
    });
  }

  then<T = unknown, E = never>(
    onfulfilled?: ((value: unknown) => T | PromiseLike<T>) | null,
    onrejected?: ((reason: unknown) => E | PromiseLike<E>) | null,
  ): Promise<T | E> {
    return this.done.then(onfulfilled, onrejected);
  }

  override submit = (connection: unknown): Error | null => {
    const con = connection as Connection;
    const self = this as unknown as QueryInternals;
    const invalid = this.invalid(con);
    if (invalid) return invalid;
    if (!self.requiresPreparation()) {
      con.query(`BEGIN;${self.text}`);
      this.beginPending = true;
      return null;
    }
    const name = this.statementName;
    this.parsedHere = !name || (!con.parsedStatements[name] && !con.submittedNamedStatements[name]);
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

  /** node-postgres's own checks (`Query.submit`), made before anything is written. */
  private invalid(con: Connection): Error | null {
    const { text, values } = this as unknown as QueryInternals;
    const name = this.statementName;
    if (typeof text !== 'string' && typeof name !== 'string')
      return new Error('A query must have either text or a name. Supplying neither is unsupported.');
    const previous = name && (con.parsedStatements[name] || con.submittedNamedStatements[name]);
    if (text && previous && text !== previous)
      return new Error(`Prepared statements must be unique - '${name}' was used for a different statement`);
    if (values && !Array.isArray(values)) return new Error('Query values must be an array');
    return null;
  }

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
 * round trips were the largest cost left in routing and conversation, and each one is a wake-up of
 * the service and of its PostgreSQL backend).
 *
 * Nothing reaches the server between the held BEGIN and the statement it rides with, so what the
 * transaction sees is the same. A transaction that ends before its first statement never reaches the
 * server: its COMMIT or ROLLBACK is answered here. A BEGIN is held only on an idle client with nothing
 * queued, when asked as a promise (TypeORM's way); a query with a callback, or a custom query object
 * (a cursor, a stream), after a held BEGIN sends the BEGIN on its own first, as before.
 */
export class BeginRidesClient extends Client {
  private beginHeld = false;

  override query(...args: unknown[]): never {
    const [config, values, callback] = args;
    const asPromise = typeof values !== 'function' && callback === undefined;
    const text = textOf(config);
    const viaCallbackOrCustom =
      !asPromise || typeof (config as { submit?: unknown } | null)?.submit === 'function';
    const send = (...a: unknown[]) => (Client.prototype.query as (...a: unknown[]) => never).apply(this, a);
    if (!this.beginHeld) {
      const isBegin = asPromise && text !== undefined && BEGIN.test(text) && !(values as unknown[])?.length;
      if (!isBegin || !this.idle()) return send(...args);
      this.beginHeld = true;
      return Promise.resolve(answered('BEGIN')) as never;
    }
    this.beginHeld = false;
    const end = asPromise && text !== undefined ? END.exec(text) : null;
    if (end)
      return Promise.resolve(answered(/^(COMMIT|END)$/i.test(end[1]) ? 'COMMIT' : 'ROLLBACK')) as never;
    if (viaCallbackOrCustom) {
      // BEGIN on a session that was idle fails only with its connection, which fails what follows too.
      void (send('BEGIN') as Promise<unknown>).catch(() => undefined);
      return send(...args);
    }
    return send(new BegunQuery(config, values));
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
