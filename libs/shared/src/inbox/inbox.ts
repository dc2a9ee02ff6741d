import type { KafkaContext } from '@nestjs/microservices';
import { queryPrepared } from '../database/prepared';
import type { DataSource, EntityManager } from 'typeorm';
import type { KafkaEnv } from '../config';
import { DeadLetter, deadLetterTopic, eventOrNull, EventEnvelope, parseEvent, Topic } from '../contracts';
import type { z } from 'zod';
import { BatchApplier, currentSlot } from '../kafka/batch-scope';
import { unprefixed } from '../kafka/kafka-options';
import { contextOfMessage, currentLogContext, withLogContext } from '../logging/log-context';
import type { Outbox } from '../outbox/outbox';
import { CarriedInbox } from './carried-inbox';
import { replayedForOthers } from './replay-headers';
import { isTransient } from './transient';

export interface InboxLogger {
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** Told of retries and dead letters (ops: their counters), by original topic (no prefix). */
export interface InboxObserver {
  retried(topic: string, reason: 'transient' | 'failed'): void;
  deadLettered(topic: string): void;
}

export interface InboxOptions {
  dataSource: DataSource;
  outbox: Outbox;
  env: KafkaEnv;
  /** Names this consumer in the inbox table and in dead letters (its consumer group). */
  consumer: string;
  logger: InboxLogger;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  observer?: InboxObserver;
}

export interface ConsumeSpec<T> {
  /** Validates the raw value; throwing marks the message as poison at once; null: not for this consumer. */
  parse(value: unknown): T | null;
  id(message: T): string;
  handle(message: T, tx: EntityManager, afterCommit: AfterCommit): Promise<void>;
  /** Called around the handlers when messages are applied together (see BatchHooks). */
  batch?: BatchHooks<T>;
  /**
   * True for a message whose handling is idempotent by itself (it carries a version its target keeps,
   * and an older or equal one changes nothing): no inbox row is written for it, and a redelivery is
   * handled again, to no effect. Saves a row and two index entries for each such message, and its
   * pruning later.
   */
  idempotent?(message: T): boolean;
}

/** Options of `consumeEvent` beside the handler. */
export interface EventConsumeOptions<E> {
  batch?: BatchHooks<E>;
  idempotent?(event: E): boolean;
}

/**
 * A consumer's part in a batched transaction, around its handlers: `prepare` gets the fresh messages
 * (redeliveries left out) in the order they will be handled, e.g. to lock and load in one statement,
 * in one order, what they will change; `flush` runs after the last handler, before commit, e.g. to
 * write what they deferred. What the consumer keeps meanwhile is keyed by `tx`, so an attempt that
 * rolled back leaves nothing behind. Alone (one message, or the one-by-one fallback) none of them runs.
 */
export interface BatchHooks<T> {
  /**
   * Optional, first of all: every message of the batch, redeliveries among them (not known yet), to
   * lock and load what they may change in one statement that also runs the batch's inbox insert
   * (`inbox.wrap`; null when no message of the batch needs an inbox row): one round trip fewer per
   * batch. It must only lock and read, since the redeliveries among them are handled by no handler.
   */
  lock?(messages: T[], tx: EntityManager, inbox: CarriedInbox | null): Promise<void>;
  prepare(messages: T[], tx: EntityManager): Promise<void>;
  flush(tx: EntityManager): Promise<void>;
}

/** Registers work to run once the transaction has committed (never if it rolled back). */
export type AfterCommit = (fn: () => void) => void;

/** Thrown at shutdown so the message is left uncommitted and redelivered to the next owner. */
export class ConsumerStopping extends Error {}

/** Thrown by work that wants its transaction rolled back and no retry (a refusal, not a failure). */
export class AbortAttempt extends Error {}

interface Enlisted {
  ctx: KafkaContext;
  spec: ConsumeSpec<unknown>;
}

/**
 * Applies each message once: the processed id is recorded in the same transaction as the effect
 * (a message idempotent by itself, `ConsumeSpec.idempotent`, has no record: it is applied again, to
 * no effect).
 * Transient failures are retried in place (the partition waits); a message that keeps failing is
 * dead-lettered after `maxAttempts` (not marked processed, so that replaying the letter applies it),
 * and the messages behind it go on.
 *
 * Under the batch consumer (kafka-server.ts) the messages a fetch brings (batch-scope.ts) are applied
 * together: one transaction, one multi-row inbox insert (in the statement of a consumer's `lock` hook
 * when it has one), the handlers run in key order (each key's in offset order) for the ids it
 * returned (between their consumer's BatchHooks), afterCommit hooks once
 * it committed. If that transaction fails for a reason other than the infrastructure, the batch is
 * applied again message by message, which isolates the bad one.
 */
export class Inbox implements BatchApplier<Enlisted> {
  private stopping = false;

  constructor(private readonly o: InboxOptions) {}

  stop(): void {
    this.stopping = true;
  }

  /** Whether the consumer is shutting down (work left is redelivered to the next owner). */
  get isStopping(): boolean {
    return this.stopping;
  }

  async consume<T>(ctx: KafkaContext, spec: ConsumeSpec<T>): Promise<void> {
    // A dead letter replayed for other consumers: this one applied the original.
    if (replayedForOthers(ctx.getMessage().headers, this.o.consumer)) return;
    const slot = currentSlot();
    if (slot) return slot.enlist<Enlisted>(this, { ctx, spec: spec as ConsumeSpec<unknown> });
    return this.consumeOne(ctx, spec);
  }

  /** Applies enlisted messages of one fetch (batch-scope.ts) in key order, in one transaction. */
  async applyBatch(items: Enlisted[]): Promise<void> {
    const ready: Parsed[] = [];
    for (const { ctx, spec } of items) {
      let message: unknown;
      try {
        message = spec.parse(ctx.getMessage().value as unknown);
      } catch (err) {
        await this.deadLetter(ctx, `invalid message: ${describe(err)}`, 1, null);
        continue;
      }
      if (message !== null)
        ready.push({
          ctx,
          spec,
          message,
          id: spec.id(message),
          idempotent: spec.idempotent?.(message) ?? false,
        });
    }
    if (ready.length === 0) return;
    if (ready.length === 1) return this.applyAlone(ready[0]);
    try {
      await this.applyTogether(ready);
    } catch (err) {
      if (err instanceof ConsumerStopping) throw err;
      this.o.logger.warn(
        `${this.where(ready[0].ctx)}: a batch of ${ready.length} failed (${describe(err)}); ` +
          'applying its messages one by one',
      );
      for (const p of ready) await this.applyAlone(p);
    }
  }

  private applyAlone(p: Parsed): Promise<void> {
    return this.attempt(p.ctx, p.id, async (tx, afterCommit) => {
      if (!p.idempotent && (await this.alreadyProcessed(tx, p.id))) return;
      await p.spec.handle(p.message, tx, afterCommit);
    });
  }

  /**
   * One transaction for all; retried while the failure is the infrastructure's, thrown otherwise.
   * Applied in the order of their keys (stable: one key's messages keep their order), so that two
   * batches lock the aggregates they share in the same order and do not deadlock each other.
   */
  private async applyTogether(inOffsetOrder: Parsed[]): Promise<void> {
    const ready = byKey(inOffsetOrder, (p) => p.ctx);
    const ids = [...new Set(ready.filter((p) => !p.idempotent).map((p) => p.id))];
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) throw new ConsumerStopping('consumer stopping');
      const committed: (() => void)[] = [];
      try {
        await this.o.dataSource.transaction(async (tx) => {
          const fresh = await this.lockTogether(ready, ids, tx);
          // delete: a message redelivered within the batch is applied at its first place only.
          await this.handleTogether(
            ready.filter((p) => p.idempotent || fresh.delete(p.id)),
            tx,
            (fn) => committed.push(inContext(fn)),
          );
        });
        this.runAfterCommit(committed);
        return;
      } catch (err) {
        if (!isTransient(err)) throw err;
        this.o.logger.warn(`${this.where(ready[0].ctx)}: transient failure, retrying: ${describe(err)}`);
        await this.retryAfter(ready[0].ctx, attempt);
      }
    }
  }

  /**
   * The consumers' `lock` hooks, the first of them carrying the batch's inbox insert; then the
   * insert alone if none took it. Returns the ids the inbox did not hold yet.
   */
  private async lockTogether(ready: Parsed[], ids: string[], tx: EntityManager): Promise<Set<string>> {
    const inbox = ids.length === 0 ? null : new CarriedInbox(ids, this.o.consumer);
    for (const [hooks, messages] of hooksOf(ready)) {
      if (hooks.lock) await hooks.lock(messages, tx, inbox && !inbox.taken ? inbox : null);
    }
    if (!inbox) return new Set();
    if (inbox.taken) {
      // Its rows are written: inserting them again would find every id held and drop the batch.
      if (!inbox.fresh) throw new Error('a lock hook took the inbox insert and did not read its rows');
      return inbox.fresh;
    }
    const rows: { message_id: string }[] = await queryPrepared(
      tx,
      `INSERT INTO inbox (message_id, consumer) SELECT unnest($1::text[]), $2
         ON CONFLICT DO NOTHING RETURNING message_id`,
      [ids, this.o.consumer],
    );
    return new Set(rows.map((r) => r.message_id));
  }

  /** The handlers in order, after their consumers' `prepare` and before their `flush` (BatchHooks). */
  private async handleTogether(fresh: Parsed[], tx: EntityManager, afterCommit: AfterCommit): Promise<void> {
    const byHooks = hooksOf(fresh);
    for (const [hooks, messages] of byHooks) await hooks.prepare(messages, tx);
    for (const p of fresh) await p.spec.handle(p.message, tx, afterCommit);
    for (const hooks of byHooks.keys()) await hooks.flush(tx);
  }

  private async consumeOne<T>(ctx: KafkaContext, spec: ConsumeSpec<T>): Promise<void> {
    const raw = ctx.getMessage().value as unknown;
    let message: T | null;
    try {
      message = spec.parse(raw);
    } catch (err) {
      return this.deadLetter(ctx, `invalid message: ${describe(err)}`, 1, null);
    }
    if (message === null) return;
    const id = spec.id(message);
    const idempotent = spec.idempotent?.(message) ?? false;
    await this.attempt(ctx, id, async (tx, afterCommit) => {
      if (!idempotent && (await this.alreadyProcessed(tx, id))) return;
      await spec.handle(message, tx, afterCommit);
    });
  }

  /**
   * One event of a topic: validated with that topic's schemas (types not in `wanted` are skipped),
   * applied once per eventId. Every event consumer goes through here.
   */
  consumeEvent<E extends EventEnvelope>(
    ctx: KafkaContext,
    schemas: Record<string, z.ZodTypeAny>,
    wanted: ReadonlySet<string>,
    handle: (event: E, tx: EntityManager, afterCommit: AfterCommit) => Promise<void>,
    { batch, idempotent }: EventConsumeOptions<E> = {},
  ): Promise<void> {
    return this.consume<E>(ctx, {
      batch,
      idempotent,
      parse: (v) => eventOrNull(parseEvent<E>(schemas, wanted, v)),
      id: (e) => e.eventId,
      // Each event's lines carry its correlation id, even when applied in a batch with others.
      handle: (e, tx, afterCommit) =>
        withLogContext(contextOfMessage(e), () => {
          this.o.logger.debug?.(`applying ${e.type} from ${unprefixed(this.o.env, ctx.getTopic())}`);
          return handle(e, tx, afterCommit);
        }),
    });
  }

  /**
   * Hooks run once the transaction committed (e.g. an assignment round). One that throws is logged
   * and the others still run: the effect is committed, so it must never be mistaken for a failed
   * transaction and re-applied (the re-apply would find it processed and drop the remaining hooks).
   */
  runAfterCommit(hooks: (() => void)[]): void {
    for (const fn of hooks) {
      try {
        fn();
      } catch (err) {
        this.o.logger.error(`after-commit hook failed (the effect is committed): ${describe(err)}`);
      }
    }
  }

  /**
   * Counts a retry of ctx's message and waits this inbox's backoff before it: for the inbox's own
   * attempts, and for an applier with a transaction of its own (RequestProcessor's batches).
   */
  async retryAfter(
    ctx: KafkaContext,
    attempt: number,
    reason: 'transient' | 'failed' = 'transient',
  ): Promise<void> {
    this.o.observer?.retried(this.topicOf(ctx), reason);
    await sleep(this.o.backoffMs?.(attempt) ?? Math.min(50 * 2 ** attempt, 5000));
  }

  /** Runs `work` in a transaction with retries; gives up into the dead-letter topic. */
  async attempt(
    ctx: KafkaContext,
    id: string | null,
    work: (tx: EntityManager, afterCommit: AfterCommit) => Promise<void>,
  ): Promise<void> {
    const max = this.o.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) throw new ConsumerStopping('consumer stopping');
      const committed: (() => void)[] = [];
      try {
        await this.o.dataSource.transaction((tx) => work(tx, (fn) => committed.push(inContext(fn))));
        this.runAfterCommit(committed);
        return;
      } catch (err) {
        if (err instanceof AbortAttempt) throw err;
        if (isTransient(err)) {
          this.o.logger.warn(`${this.where(ctx)}: transient failure, retrying: ${describe(err)}`);
          await this.retryAfter(ctx, attempt, 'transient');
        } else if (attempt >= max) {
          return this.deadLetter(ctx, describe(err), attempt, id);
        } else {
          this.o.logger.warn(`${this.where(ctx)}: attempt ${attempt}/${max} failed: ${describe(err)}`);
          await this.retryAfter(ctx, attempt, 'failed');
        }
      }
    }
  }

  /** Records the id; false when it was already there (a redelivery). */
  async alreadyProcessed(tx: EntityManager, id: string): Promise<boolean> {
    const inserted: unknown[] = await queryPrepared(
      tx,
      'INSERT INTO inbox (message_id, consumer) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1',
      [id, this.o.consumer],
    );
    return inserted.length === 0;
  }

  private async deadLetter(
    ctx: KafkaContext,
    error: string,
    attempts: number,
    id: string | null,
  ): Promise<void> {
    const m = ctx.getMessage();
    const topic = this.topicOf(ctx);
    this.o.observer?.deadLettered(topic);
    this.o.logger.error(
      `${this.where(ctx)}: ${id ?? 'message'} dead-lettered after ${attempts} attempt(s): ${error}`,
    );
    const letter: DeadLetter = {
      originalTopic: topic,
      partition: ctx.getPartition(),
      offset: m.offset,
      key: m.key == null ? null : String(m.key),
      value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value),
      consumerGroup: this.o.consumer,
      error,
      attempts,
      deadLetteredAt: new Date().toISOString(),
    };
    for (;;) {
      try {
        // The inbox row is not written: a letter replayed to its topic (npm run dlq) is applied then, once.
        await this.o.dataSource.transaction((tx) =>
          this.o.outbox.add(tx, deadLetterTopic(topic) as Topic, letter.key ?? '', letter as never),
        );
        return;
      } catch (err) {
        if (this.stopping) throw new ConsumerStopping('consumer stopping');
        this.o.logger.error(`${this.where(ctx)}: cannot write dead letter yet: ${describe(err)}`);
        await sleep(1000);
      }
    }
  }

  private topicOf(ctx: KafkaContext): string {
    return unprefixed(this.o.env, ctx.getTopic());
  }

  private where(ctx: KafkaContext): string {
    return `${ctx.getTopic()}[${ctx.getPartition()}]@${ctx.getMessage().offset}`;
  }
}

interface Parsed {
  ctx: KafkaContext;
  spec: ConsumeSpec<unknown>;
  message: unknown;
  id: string;
  /** Handled without an inbox row (ConsumeSpec.idempotent). */
  idempotent: boolean;
}

/**
 * The messages of each consumer's batch hooks, in the order given. One consumer per topic: a batch
 * holds the partitions of one fetch, of the topics the service reads.
 */
function hooksOf(parsed: Parsed[]): Map<BatchHooks<unknown>, unknown[]> {
  const byHooks = new Map<BatchHooks<unknown>, unknown[]>();
  for (const { spec, message } of parsed) {
    if (!spec.batch) continue;
    if (!byHooks.has(spec.batch)) byHooks.set(spec.batch, []);
    byHooks.get(spec.batch)!.push(message);
  }
  return byHooks;
}

/** An after-commit hook runs with the log context of the message that registered it. */
export function inContext(fn: () => void): () => void {
  const context = currentLogContext();
  return context ? () => withLogContext(context, fn) : fn;
}

/**
 * The items in the order of their Kafka keys, stable (one key's messages keep their offset order):
 * the order in which a batched transaction takes its locks (docs/architecture.md, Batching).
 */
export function byKey<T>(items: T[], ctx: (item: T) => KafkaContext): T[] {
  const keyed = items.map((item, i) => ({ item, i, key: keyOf(ctx(item)) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  return keyed.map((k) => k.item);
}

function keyOf(ctx: KafkaContext): string {
  const key = ctx.getMessage().key as unknown;
  return key == null ? '' : String(key);
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
