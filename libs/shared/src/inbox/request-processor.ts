import type { KafkaContext } from '@nestjs/microservices';
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
import type { KafkaProducer } from '../kafka/kafka-producer';
import { contextOfMessage, withLogContext } from '../logging/log-context';
import { AbortAttempt, AfterCommit, describe, Inbox, InboxLogger } from './inbox';

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
  handle(data: unknown, tx: EntityManager, meta: RequestMeta): Promise<unknown>;
}

export type RequestHandlers = Record<string, RequestHandler>;

type ReplyBody = { ok: true; data: unknown } | { ok: false; error: ErrorBody };

/** How a request ended, for metrics and the log: answered ok, refused (a domain error), expired, error. */
export type RequestOutcome = 'ok' | 'refused' | 'expired' | 'invalid' | 'error';

/** Told of every request served (ops: the request-duration histogram). */
export type RequestObserver = (op: string, outcome: RequestOutcome, seconds: number) => void;

/** Rolls back a request whose deadline passed while it was being applied: nobody waits for it any more. */
class RequestExpired extends AbortAttempt {}

/** Dropped requests are summed and logged at most this often (a backlog drains thousands a second). */
const DROP_LOG_INTERVAL_MS = 5000;

/**
 * Serves `<service>.requests`: runs the handler and its outbox writes in one transaction, stores the
 * reply with the request id, and answers on `gateway.replies`. A redelivered request gets the stored
 * reply again instead of acting twice. Domain errors become error replies; nothing is half-written.
 *
 * A request past its deadline is dropped unapplied and unanswered: checked before any database work
 * (so a backlog of expired requests drains at parsing speed), at the start of each attempt, and again
 * just before commit (a slow transaction rolls back rather than committing late). The gateway answers
 * 503 only once the deadline plus its margin has passed, so what a client was told failed never
 * happens afterwards (docs/architecture.md, Overload).
 */
export class RequestProcessor {
  private dropped = 0;
  private lastDropLog = 0;

  constructor(
    private readonly inbox: Inbox,
    private readonly dataSource: DataSource,
    private readonly producer: KafkaProducer,
    private readonly clock: Clock,
    private readonly logger: InboxLogger & { debug?(message: string): void },
    private readonly observe: RequestObserver = () => undefined,
  ) {}

  /** Serves one request with its correlation id on every log line (logging/log-context.ts). */
  async process(ctx: KafkaContext, handlers: RequestHandlers): Promise<void> {
    const value = ctx.getMessage().value as unknown;
    const started = performance.now();
    const op = (value as { op?: unknown } | null)?.op;
    await withLogContext(contextOfMessage(value), async () => {
      const outcome = await this.serve(ctx, handlers);
      const seconds = (performance.now() - started) / 1000;
      const name = typeof op === 'string' && Object.hasOwn(handlers, op) ? op : 'unknown';
      this.observe(name, outcome, seconds);
      this.logger.debug?.(`request ${name}: ${outcome} in ${Math.round(seconds * 1000)} ms`);
    });
  }

  private async serve(ctx: KafkaContext, handlers: RequestHandlers): Promise<RequestOutcome> {
    const parsed = requestEnvelopeSchema.safeParse(ctx.getMessage().value);
    if (!parsed.success) {
      // Nobody can be answered without a request id: consume it through the inbox's poison path.
      await this.inbox.consume(ctx, {
        parse: () => {
          throw new Error(`invalid request: ${parsed.error.issues[0]?.message}`);
        },
        id: () => '',
        handle: async () => undefined,
      });
      return 'invalid';
    }
    const request = parsed.data as RequestEnvelope;
    if (isExpired(request, this.clock.now())) return this.drop();
    const handler = handlers[request.op];
    if (!handler) {
      return this.reply(request, {
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: `unknown operation ${request.op}` },
      });
    }
    let reply: ReplyBody | null = null;
    let outcome: RequestOutcome = 'error';
    await this.inbox
      .attempt(ctx, request.requestId, async (tx, afterCommit) => {
        reply = null;
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
        const stored: { reply: typeof reply }[] = await tx.query(
          'SELECT reply FROM inbox WHERE message_id = $1 AND consumer = $2',
          [request.requestId, 'requests'],
        );
        if (stored.length > 0) {
          reply = stored[0].reply;
          return;
        }
        reply = await this.run(handler, request, tx, meta);
        if (!reply.ok) throw new AbortAttempt('refused');
        await tx.query('INSERT INTO inbox (message_id, consumer, reply) VALUES ($1, $2, $3)', [
          request.requestId,
          'requests',
          JSON.stringify(reply),
        ]);
        // The last check before commit: the gateway's margin covers only the commit itself.
        if (isExpired(request, this.clock.now())) throw new RequestExpired('deadline passed');
      })
      .catch((err) => {
        if (err instanceof RequestExpired) {
          reply = null;
          outcome = this.drop();
          return;
        }
        if (!(err instanceof AbortAttempt)) throw err;
      });
    return reply ? this.reply(request, reply) : outcome;
  }

  /** Requests dropped so far because their deadline had passed (diagnostics and tests). */
  get expiredDropped(): number {
    return this.dropped;
  }

  private drop(): 'expired' {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropLog < DROP_LOG_INTERVAL_MS) return 'expired';
    this.lastDropLog = now;
    this.logger.warn(`${this.dropped} request(s) dropped so far: their deadline had passed (overload)`);
    return 'expired';
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

  private async reply(request: RequestEnvelope, body: ReplyBody): Promise<RequestOutcome> {
    const reply = { requestId: request.requestId, replyKey: request.replyKey, ...body } as ReplyEnvelope;
    try {
      await this.producer.send(GATEWAY_REPLIES, [{ key: request.replyKey, value: JSON.stringify(reply) }]);
    } catch (err) {
      // The gateway times out and the client retries with the same ids; the effect is already stored.
      this.logger.warn(`reply to ${request.requestId} not sent: ${describe(err)}`);
    }
    return body.ok ? 'ok' : 'refused';
  }
}
