import type { KafkaContext } from '@nestjs/microservices';
import { queryPrepared } from '../database/prepared';
import { flushWrites, writeCarried } from '../database/write-behind';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../clock';
import {
  GATEWAY_REPLIES,
  isExpired,
  ReplyEnvelope,
  RequestEnvelope,
  requestEnvelopeSchema,
} from '../contracts';
import { DomainError, ErrorBody } from '../errors';
import { BatchApplier, currentSlot } from '../kafka/batch-scope';
import type { KafkaProducer, OutgoingMessage } from '../kafka/kafka-producer';
import { contextOfMessage, withLogContext } from '../logging/log-context';
import {
  AbortAttempt,
  AfterCommit,
  byKey,
  ConsumerStopping,
  describe,
  Inbox,
  InboxLogger,
  inContext,
} from './inbox';
import { countedStatements } from './counted-statements';
import { isTransient, isUniqueViolation } from './transient';

export interface RequestMeta {
  requestId: string;
  correlationId: string;
  now: Date;
  /** Work to run once the request's transaction committed (e.g. trigger assignment). */
  afterCommit: AfterCommit;
}

export interface RequestHandler {
  /** Queries skip the inbox: they change nothing, so a redelivery may simply answer again. */
  readOnly?: boolean;
  /**
   * Declares that the handler refuses (throws a DomainError) only within its first `readsBeforeWrites`
   * statements, and that those write nothing (reads, row locks). In a batch it then runs without a
   * savepoint, one round trip less: a refusal has nothing to undo. The processor counts its statements,
   * and a refusal after them fails the batch, which is then applied one by one, each request under its
   * savepoint (alone, every write has one).
   */
  readsBeforeWrites?: number;
  /**
   * What the handler locks first, named for the service's `BatchLocks`, which takes a batch's locks in
   * one order before its first handler runs (e.g. routing's `RoutingLocks`). Unset: nothing to order.
   */
  locks?: string;
  /**
   * Applies the request in `tx`. In a batch it may run on a request it already applied (a redelivery
   * found only at the inbox insert, then rolled back): it must find its earlier effect rather than
   * write twice or fail, as for a client's retry (RequestProcessor.applyTogether).
   */
  handle(data: unknown, tx: EntityManager, meta: RequestMeta): Promise<unknown>;
}

export type RequestHandlers = Record<string, RequestHandler>;

/**
 * Locks, at the start of a batched transaction, every row the batch's writes will lock, in one order
 * that the service's other batched transactions follow too (e.g. conversations by id, the order its
 * event batches update them in). Without it a batch locks rows in its requests' order, and two batches
 * that share rows deadlock (PostgreSQL detects it only after `deadlock_timeout`, 1 s).
 */
export type BatchLocks = (requests: BatchRequest[], tx: EntityManager) => Promise<void>;

/** A write of a batch, as `BatchLocks` sees it: its data is not validated yet (its handler does it). */
export interface BatchRequest {
  /** The request's id (RequestMeta.requestId, when its handler runs). */
  requestId: string;
  op: string;
  data: unknown;
  /** The handler's `RequestHandler.locks`. */
  locks?: string;
}

type ReplyBody = { ok: true; data: unknown } | { ok: false; error: ErrorBody };

/** How a request ended, for metrics and the log: answered ok, refused (a domain error), expired, error. */
export type RequestOutcome = 'ok' | 'refused' | 'expired' | 'invalid' | 'error';

/** Told of every request served (ops: the request-duration histogram). */
export type RequestObserver = (op: string, outcome: RequestOutcome, seconds: number) => void;

/** A reply to send, with what the observer needs: the operation's name and when serving began. */
interface Answer {
  request: RequestEnvelope;
  body: ReplyBody;
  op: string;
  started: number;
}

/** Rolls back a request whose deadline passed while it was being applied: nobody waits for it any more. */
class RequestExpired extends AbortAttempt {}

/** Dropped requests are summed and logged at most this often (a backlog drains thousands a second). */
const DROP_LOG_INTERVAL_MS = 5000;

/**
 * Requests applied in one transaction at most. Each write runs under a savepoint (but those that
 * refuse only in their first reads); PostgreSQL keeps 64 subtransactions per backend in shared memory
 * before other sessions' snapshots slow down.
 */
export const MAX_REQUESTS_PER_TRANSACTION = 50;

interface Enlisted {
  ctx: KafkaContext;
  request: RequestEnvelope;
  handler: RequestHandler;
  lockBatch?: BatchLocks;
  /** performance.now() when read, for the request-duration histogram. */
  started: number;
}

/**
 * Serves `<service>.requests`: runs the handler and its outbox writes in one transaction, stores the
 * reply with the request id, and answers on `gateway.replies`. A redelivered request gets the stored
 * reply again instead of acting twice. Domain errors become error replies; nothing is half-written.
 *
 * Under the batch consumer (kafka-server.ts) the requests a partition has ready are applied together:
 * one transaction per MAX_REQUESTS_PER_TRANSACTION, in the order of their keys (locks in one order),
 * each write under a savepoint so that a refusal (DomainError) rolls back only its own request (none
 * for a handler that refuses only before it writes: RequestHandler.readsBeforeWrites); one
 * multi-row inbox insert of the replies, refusals included (a redelivery of a refused request gets the
 * same refusal, never a late effect; a retry has a new request id, so it is applied afresh); then
 * every reply in one send. The stored replies of redelivered requests are read first only while
 * redeliveries are likely (after a start, or once that insert found a batch had applied one again:
 * applyTogether). Any other failure rolls the batch back and its requests are applied one by one
 * (retried, dead-lettered alone). A batch of one request is applied the same way, not alone: when
 * traffic is light every request comes alone, and this way costs it up to two round trips fewer.
 *
 * A request past its `commitBy` (else its deadline) is dropped unapplied and unanswered: checked
 * before any database work (so a backlog of expired requests drains at parsing speed), at the start
 * of each attempt, and again just before commit (a slow transaction rolls back rather than committing
 * late; in a batch, the others are applied again without it). The gateway answers 503 only once the
 * deadline plus its margin has passed, so what a client was told failed never happens afterwards
 * (docs/architecture.md, Overload).
 */
export class RequestProcessor implements BatchApplier<Enlisted> {
  private dropped = 0;
  private lastDropLog = 0;
  /**
   * Whether batches read the stored replies before applying (see applyTogether): from the start (a
   * restart follows a crash or a deploy, whose redeliveries come first) and after a batch met a
   * redelivery, until a read of stored replies (a batch's, or a request's applied alone) finds none.
   */
  private redeliveriesLikely = true;
  private readonly together = { transactions: 0, requests: 0 };

  constructor(
    private readonly inbox: Inbox,
    private readonly dataSource: DataSource,
    private readonly producer: KafkaProducer,
    private readonly clock: Clock,
    private readonly logger: InboxLogger & { debug?(message: string): void },
    private readonly observe: RequestObserver = () => undefined,
  ) {}

  /** Serves one request with its correlation id on every log line (logging/log-context.ts). */
  process(ctx: KafkaContext, handlers: RequestHandlers, lockBatch?: BatchLocks): Promise<void> {
    const value = ctx.getMessage().value as unknown;
    return withLogContext(contextOfMessage(value), () => this.serve(ctx, handlers, lockBatch));
  }

  private async serve(ctx: KafkaContext, handlers: RequestHandlers, lockBatch?: BatchLocks): Promise<void> {
    const started = performance.now();
    const parsed = requestEnvelopeSchema.safeParse(ctx.getMessage().value);
    if (!parsed.success) {
      this.observed('unknown', 'invalid', started);
      // Nobody can be answered without a request id: consume it through the inbox's poison path.
      return this.inbox.consume(ctx, {
        parse: () => {
          throw new Error(`invalid request: ${parsed.error.issues[0]?.message}`);
        },
        id: () => '',
        handle: async () => undefined,
      });
    }
    const request = parsed.data as RequestEnvelope;
    // Own properties only: an operation named `constructor` is unknown, not Object's.
    const handler = Object.hasOwn(handlers, request.op) ? handlers[request.op] : undefined;
    const op = handler ? request.op : 'unknown';
    if (isExpired(request, this.clock.now())) return this.drop(op, started, request);
    if (!handler) {
      const error = { code: 'VALIDATION_FAILED' as const, message: `unknown operation ${request.op}` };
      return this.reply([{ request, body: { ok: false, error }, op, started }]);
    }
    const item: Enlisted = { ctx, request, handler, lockBatch, started };
    const slot = currentSlot();
    if (slot) return slot.enlist<Enlisted>(this, item);
    const reply = await this.applyAlone(item);
    if (reply) await this.reply([this.answer(item, reply)]);
  }

  /** Applies the requests a partition had ready (see the class), then sends their replies at once. */
  async applyBatch(items: Enlisted[]): Promise<void> {
    for (let i = 0; i < items.length; i += MAX_REQUESTS_PER_TRANSACTION) {
      const chunk = items.slice(i, i + MAX_REQUESTS_PER_TRANSACTION);
      // A lone request's lines carry its correlation id, as they did when it was applied alone.
      const answers =
        chunk.length === 1
          ? await withLogContext(contextOfMessage(chunk[0].request), () => this.applyChunk(chunk))
          : await this.applyChunk(chunk);
      await this.reply(answers);
    }
  }

  private async applyChunk(items: Enlisted[]): Promise<Answer[]> {
    let live = byKey(items, (i) => i.ctx);
    // Redeliveries are rare (a crash, a rebalance): a batch assumes there is none unless some were just seen.
    let readStored = this.redeliveriesLikely;
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      live = live.filter(
        (i) => !isExpired(i.request, now) || (this.drop(i.request.op, i.started, i.request), false),
      );
      // A lone request goes this way too, with up to two round trips fewer than alone: no read of its
      // stored reply (unless redeliveries are likely), no savepoint for a handler that refuses only in
      // its reads. When traffic is light, that is every request.
      if (live.length === 0) return [];
      if (this.inbox.isStopping) throw new ConsumerStopping('consumer stopping');
      const committed: (() => void)[] = [];
      try {
        const replies = await this.dataSource.transaction((tx) =>
          this.applyTogether(live, tx, committed, readStored),
        );
        this.inbox.runAfterCommit(committed);
        if (live.length > 1) {
          this.together.transactions++;
          this.together.requests += live.length;
        }
        return live.map((i) => this.answer(i, replies.get(i.request.requestId)!));
      } catch (err) {
        // One became late: the next round drops it and applies the others again.
        if (err instanceof RequestExpired) continue;
        // A request applied before: its inbox row met the stored one's unique index, as did any write
        // of a consumer still committing it while both held the partition. Read them first.
        if (!readStored && isUniqueViolation(err)) {
          this.redeliveriesLikely = readStored = true;
          continue;
        }
        if (err instanceof ConsumerStopping) throw err;
        const what =
          live.length === 1 ? `request ${live[0].request.op}` : `a batch of ${live.length} requests`;
        if (isTransient(err)) {
          this.logger.warn(`${what}: transient failure, retrying: ${describe(err)}`);
          await this.inbox.retryAfter(live[0].ctx, attempt);
          continue;
        }
        this.logger.warn(`${what} failed (${describe(err)}); applying one by one, with retries`);
        return this.applyEachAlone(live);
      }
    }
  }

  private async applyEachAlone(items: Enlisted[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const i of items) {
      const body = await withLogContext(contextOfMessage(i.request), () => this.applyAlone(i));
      if (body) answers.push(this.answer(i, body));
    }
    return answers;
  }

  private answer(item: Enlisted, body: ReplyBody): Answer {
    return { request: item.request, body, op: item.request.op, started: item.started };
  }

  /**
   * The batch's transaction: stored replies answered again, each write under its savepoint (unless it
   * refuses only in its reads). Unless `readStored`, the stored replies are not read first: the inbox
   * insert at the end fails on an id it already holds, and a batch that applied one of them again is
   * rolled back and applied anew with them read; one round trip less for every batch that has none,
   * which is nearly all. The insert rides in the statement that writes what the batch's handlers held
   * back (writeCarried: a batch of messages writes all it changes in one statement), else goes
   * alone. So a handler must be safe to run again on a
   * request it already applied (as a client's retry is): its earlier effect found, nothing written
   * twice. One that fails instead (not a refusal) sends the batch one by one, where each request reads
   * its stored reply first.
   */
  private async applyTogether(
    live: Enlisted[],
    tx: EntityManager,
    committed: (() => void)[],
    readStored: boolean,
  ): Promise<Map<string, ReplyBody>> {
    const now = this.clock.now();
    const writes = live.filter((i) => !i.handler.readOnly);
    const writeIds = writes.map((i) => i.request.requestId);
    if (writes.length > 1) {
      await live[0].lockBatch?.(
        writes.map((i) => ({
          requestId: i.request.requestId,
          op: i.request.op,
          data: i.request.data,
          locks: i.handler.locks,
        })),
        tx,
      );
    }
    const stored: { message_id: string; reply: ReplyBody }[] =
      writeIds.length === 0 || !readStored
        ? []
        : await queryPrepared(
            tx,
            'SELECT message_id, reply FROM inbox WHERE consumer = $2 AND message_id = ANY($1::text[])',
            [writeIds, 'requests'],
          );
    // Only a read of stored replies says anything (a batch of read-only requests reads none).
    if (readStored && writeIds.length > 0) this.redeliveriesLikely = stored.length > 0;
    const replies = new Map(stored.map((r) => [r.message_id, r.reply]));
    const toStore: { id: string; reply: ReplyBody }[] = [];
    const refused: { id: string; reply: ReplyBody }[] = [];
    for (const { request, handler } of live) {
      if (replies.has(request.requestId)) continue; // stored, or redelivered within this batch
      const hooks: (() => void)[] = [];
      const meta: RequestMeta = {
        requestId: request.requestId,
        correlationId: request.correlationId,
        now,
        afterCommit: (fn) => hooks.push(inContext(fn)),
      };
      // Each request's log lines (and its after-commit hooks) carry its own correlation id.
      const reply = await withLogContext(contextOfMessage(request), () =>
        this.runInBatch(handler, request, tx, meta),
      );
      replies.set(request.requestId, reply);
      if (!reply.ok) {
        if (!handler.readOnly) refused.push({ id: request.requestId, reply });
        continue;
      }
      committed.push(...hooks);
      if (!handler.readOnly) toStore.push({ id: request.requestId, reply });
    }
    const rows = [...toStore, ...refused];
    // One answered before (read first, it would have been skipped) fails the insert: nothing commits.
    if (rows.length > 0) {
      await writeCarried(tx, (before) => ({
        sql: `INSERT INTO inbox (message_id, consumer, reply)
                SELECT unnest($${before + 1}::text[]), 'requests', unnest($${before + 2}::jsonb[])`,
        params: [rows.map((s) => s.id), rows.map((s) => JSON.stringify(s.reply))],
      }));
    }
    // Everything written (what the handlers held back, with the inbox rows it carries; the statement
    // COMMIT would have flushed), the last check before commit: a request past its commitBy must not
    // commit (see the class). Only COMMIT is left for the gateway's margin.
    await flushWrites(tx);
    const late = this.clock.now();
    const applied = new Set(toStore.map((s) => s.id));
    if (live.some((i) => applied.has(i.request.requestId) && isExpired(i.request, late))) {
      throw new RequestExpired('a deadline passed');
    }
    return replies;
  }

  /**
   * One request of a batch. A refusal must undo only its own writes: they run under a savepoint,
   * rolled back on a refusal (its answer is kept, so a redelivery gets the same refusal, never a late
   * effect), unless the handler refuses only before it writes (RequestHandler.readsBeforeWrites).
   */
  private async runInBatch(
    handler: RequestHandler,
    request: RequestEnvelope,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<ReplyBody> {
    if (handler.readOnly) return this.run(handler, request, tx, meta);
    const reads = handler.readsBeforeWrites;
    if (reads === undefined) {
      await tx.query('SAVEPOINT request');
      const reply = await this.run(handler, request, tx, meta);
      if (!reply.ok) await tx.query('ROLLBACK TO SAVEPOINT request');
      return reply;
    }
    const counted = countedStatements(tx);
    const reply = await this.run(handler, request, counted.tx, meta);
    if (!reply.ok && counted.count() > reads) {
      throw new Error(
        `${request.op} refused after ${counted.count()} statements, not within its first ${reads}: ` +
          'what it wrote can only be undone under a savepoint',
      );
    }
    return reply;
  }

  /** One request in its own transaction, with the inbox's retries; null when dropped or refused late. */
  private async applyAlone({ ctx, request, handler, started }: Enlisted): Promise<ReplyBody | null> {
    let reply: ReplyBody | null = null;
    // Set once an attempt commits: an attempt that failed after its work (at the inbox insert, at
    // commit) leaves `reply` set, and the last one is dead-lettered, not answered with it.
    let committed = false;
    await this.inbox
      .attempt(ctx, request.requestId, async (tx, afterCommit) => {
        reply = null;
        afterCommit(() => (committed = true));
        const now = this.clock.now();
        if (isExpired(request, now)) throw new RequestExpired('deadline passed');
        const meta: RequestMeta = {
          requestId: request.requestId,
          correlationId: request.correlationId,
          now,
          afterCommit,
        };
        if (handler.readOnly) {
          reply = await this.run(handler, request, tx, meta);
          return;
        }
        const stored: { reply: typeof reply }[] = await queryPrepared(
          tx,
          'SELECT reply FROM inbox WHERE message_id = $1 AND consumer = $2',
          [request.requestId, 'requests'],
        );
        // What the latest read of stored replies found tells whether the next batch should read first.
        this.redeliveriesLikely = stored.length > 0;
        if (stored.length > 0) {
          reply = stored[0].reply;
          return;
        }
        const hooks: (() => void)[] = [];
        await tx.query('SAVEPOINT request');
        reply = await this.run(handler, request, tx, { ...meta, afterCommit: (fn) => hooks.push(fn) });
        // A refusal: its writes undone, its answer kept, so a redelivery gets the same refusal.
        if (!reply.ok) await tx.query('ROLLBACK TO SAVEPOINT request');
        else hooks.forEach((fn) => afterCommit(fn));
        await queryPrepared(tx, 'INSERT INTO inbox (message_id, consumer, reply) VALUES ($1, $2, $3)', [
          request.requestId,
          'requests',
          JSON.stringify(reply),
        ]);
        // The last check before commit: the gateway's margin covers only the commit itself (a refusal
        // changes nothing, so it may be stored late).
        if (reply.ok && isExpired(request, this.clock.now())) throw new RequestExpired('deadline passed');
      })
      .catch((err) => {
        if (err instanceof RequestExpired) {
          reply = null;
          this.drop(request.op, started, request);
          return;
        }
        if (!(err instanceof AbortAttempt)) throw err;
      });
    return committed ? reply : null;
  }

  /** Transactions that applied several requests together, and how many requests they applied. */
  batchStats(): { transactions: number; requests: number } {
    return { ...this.together };
  }

  /** Requests dropped so far because their deadline had passed (diagnostics and tests). */
  get expiredDropped(): number {
    return this.dropped;
  }

  private drop(op: string, started: number, request: RequestEnvelope): void {
    this.observed(op, 'expired', started, request);
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.lastDropLog = now;
    this.logger.warn(`${this.dropped} request(s) dropped so far: their deadline had passed (overload)`);
  }

  private async run(
    handler: RequestHandler,
    request: RequestEnvelope,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<ReplyBody> {
    try {
      return { ok: true, data: (await handler.handle(request.data, tx, meta)) ?? null };
    } catch (err) {
      if (err instanceof DomainError) return { ok: false, error: err.toBody() };
      throw err;
    }
  }

  /** Metrics and the request's last log line, with its correlation id (batches answer outside it). */
  private observed(op: string, outcome: RequestOutcome, started: number, request?: RequestEnvelope): void {
    const seconds = (performance.now() - started) / 1000;
    this.observe(op, outcome, seconds);
    const line = () => this.logger.debug?.(`request ${op}: ${outcome} in ${Math.round(seconds * 1000)} ms`);
    if (request) withLogContext(contextOfMessage(request), line);
    else line();
  }

  /**
   * The replies in one send (the producer lingers and batches with other partitions' replies too).
   * Each is observed before it leaves, so whoever has read an answer finds it in /metrics: the
   * duration is the time to the answer, not to the broker's acknowledgement of it.
   */
  private async reply(replies: Answer[]): Promise<void> {
    if (replies.length === 0) return;
    for (const r of replies) this.observed(r.op, r.body.ok ? 'ok' : 'refused', r.started, r.request);
    const messages: OutgoingMessage[] = replies.map(({ request, body }) => ({
      key: request.replyKey,
      value: JSON.stringify({
        requestId: request.requestId,
        replyKey: request.replyKey,
        ...body,
      } as ReplyEnvelope),
    }));
    try {
      await this.producer.send(GATEWAY_REPLIES, messages);
    } catch (err) {
      // The gateway times out and the client retries with the same ids; the effect is already stored.
      this.logger.warn(`${replies.length} repl(ies) not sent: ${describe(err)}`);
    }
  }
}
