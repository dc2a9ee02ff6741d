import type { Statement } from '../database/prepared';

/** The column of a carried statement's rows that holds the fresh ids (see `CarriedInbox.wrap`). */
const FRESH_IDS = 'inbox_fresh_ids';

/**
 * A batch's inbox insert, handed to a consumer's `BatchHooks.lock` so that it runs in the lock's own
 * statement: one round trip fewer per batch. The statement learns which ids are fresh, the ones the
 * inbox did not hold yet, and the inbox then handles those only.
 */
export class CarriedInbox {
  private wrapped = false;
  private freshIds: Set<string> | null = null;

  constructor(
    private readonly ids: string[],
    private readonly consumer: string,
  ) {}

  /**
   * `select` (a SELECT with no WITH of its own, returning `columns`; it may lock rows) run after the
   * inbox insert, in one statement. The insert runs first: it is the outer side of the join, read
   * before any row of `select` is locked, so a batch still takes its inbox rows before its locks, as
   * when they were two statements. Its columns are named, not `*`, so that the statement can be
   * prepared (database/prepared.ts). Read the result with `rowsOf`.
   *
   * The fresh ids come on the first row only: on every row, a batch of n events over m conversations
   * sent, and parsed, n × m ids (8 % of routing's CPU at 1,000 messages/s, session 67).
   */
  wrap(select: Statement, columns: readonly string[]): Statement {
    if (this.wrapped) throw new Error('the inbox insert is carried by one statement only');
    this.wrapped = true;
    const n = select.params.length;
    return {
      sql: `WITH inbox_fresh AS (
              INSERT INTO inbox (message_id, consumer) SELECT unnest($${n + 1}::text[]), $${n + 2}
                ON CONFLICT DO NOTHING RETURNING message_id),
            inbox_ids AS (SELECT coalesce(array_agg(message_id), '{}') AS ids FROM inbox_fresh)
          SELECT CASE WHEN row_number() OVER () = 1 THEN inbox_ids.ids END AS ${FRESH_IDS},
                 ${columns.map((c) => `carried.${c}`).join(', ')}
            FROM inbox_ids LEFT JOIN LATERAL (${select.sql}) carried ON true`,
      params: [...select.params, this.ids, this.consumer],
    };
  }

  /**
   * The rows of `select` from the wrapped statement's result, in its order, with the fresh ids taken
   * from them. `present` tells a row of `select` from the one row of nulls the join gives when
   * `select` found none.
   */
  rowsOf<R extends object>(
    rows: (R & { [FRESH_IDS]?: string[] | null })[],
    present: (row: R) => boolean,
  ): R[] {
    const ids = rows.find((row) => row[FRESH_IDS] != null)?.[FRESH_IDS];
    if (!ids) throw new Error('a carried inbox statement returns the fresh ids on one of its rows');
    this.freshIds = new Set(ids);
    return rows
      .map((row) => {
        const { [FRESH_IDS]: _fresh, ...rest } = row;
        return rest as unknown as R;
      })
      .filter(present);
  }

  /** Whether a statement has taken the insert (then `fresh` must be known once it ran). */
  get taken(): boolean {
    return this.wrapped;
  }

  /** The ids the carried insert found fresh; null until a wrapped statement's rows were read. */
  get fresh(): Set<string> | null {
    return this.freshIds;
  }
}
