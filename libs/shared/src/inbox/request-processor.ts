import type { KafkaContext } from '@nestjs/microservices';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../clock';
import { GATEWAY_REPLIES, ReplyEnvelope, RequestEnvelope, requestEnvelopeSchema } from '../contracts';
import { DomainError, ErrorBody } from '../errors';
import type { KafkaProducer } from '../kafka/kafka-producer';
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

/**
 * Serves `<service>.requests`: runs the handler and its outbox writes in one transaction, stores the
 * reply with the request id, and answers on `gateway.replies`. A redelivered request gets the stored
 * reply again instead of acting twice. Domain errors become error replies; nothing is half-written.
 */
export class RequestProcessor {
  constructor(
    private readonly inbox: Inbox,
    private readonly dataSource: DataSource,
    private readonly producer: KafkaProducer,
    private readonly clock: Clock,
    private readonly logger: InboxLogger,
  ) {}

  async process(ctx: KafkaContext, handlers: RequestHandlers): Promise<void> {
    const parsed = requestEnvelopeSchema.safeParse(ctx.getMessage().value);
    if (!parsed.success) {
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
    const handler = handlers[request.op];
    if (!handler) {
      return this.reply(request, {
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: `unknown operation ${request.op}` },
      });
    }
    let reply: ReplyBody | null = null;
    await this.inbox
      .attempt(ctx, request.requestId, async (tx, afterCommit) => {
        reply = null;
        const meta: RequestMeta = {
          requestId: request.requestId,
          correlationId: request.correlationId,
          now: this.clock.now(),
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
      })
      .catch((err) => {
        if (!(err instanceof AbortAttempt)) throw err;
      });
    if (reply) await this.reply(request, reply);
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

  private async reply(request: RequestEnvelope, body: ReplyBody): Promise<void> {
    const reply = { requestId: request.requestId, replyKey: request.replyKey, ...body } as ReplyEnvelope;
    try {
      await this.producer.send(GATEWAY_REPLIES, [{ key: request.replyKey, value: JSON.stringify(reply) }]);
    } catch (err) {
      // The gateway times out and the client retries with the same ids; the effect is already stored.
      this.logger.warn(`reply to ${request.requestId} not sent: ${describe(err)}`);
    }
  }
}
