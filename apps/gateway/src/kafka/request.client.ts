import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  DomainError,
  isErrorCode,
  OutgoingMessage,
  replyEnvelopeSchema,
  RequestEnvelope,
  requestTopic,
  ServiceName,
  ServiceOps,
} from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';

export type OpName<S extends ServiceName> = keyof ServiceOps[S] & string;
export type OpIn<S extends ServiceName, K extends OpName<S>> = ServiceOps[S][K] extends { in: infer I }
  ? I
  : never;
export type OpOut<S extends ServiceName, K extends OpName<S>> = ServiceOps[S][K] extends { out: infer O }
  ? O
  : never;

export interface RequestOptions {
  /** The aggregate the request touches (conversation, visitor, agent): keeps its requests in order. */
  key?: string;
  timeoutMs?: number;
  correlationId?: string;
}

/** What the client needs of a producer (the shared KafkaProducer in the app, a fake in tests). */
export interface RequestSink {
  connect(): Promise<void>;
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export const REQUEST_SINK = Symbol('REQUEST_SINK');

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
}

/**
 * The gateway's one way to ask a service for something: a request on `<service>.requests`, the
 * answer on `gateway.replies` (fed by RepliesConsumer), matched by request id. No answer in time is
 * UNAVAILABLE; an error answer is rethrown with its code.
 */
@Injectable()
export class RequestClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RequestClient.name);
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(
    @Inject(REQUEST_SINK) private readonly sink: RequestSink,
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<GatewayConfig, 'GATEWAY_INSTANCE_ID' | 'REQUEST_TIMEOUT_MS'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sink.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values())
      p.reject(new DomainError('UNAVAILABLE', 'the gateway is shutting down'));
    this.pending.clear();
    await this.sink.disconnect();
  }

  request<S extends ServiceName, K extends OpName<S>>(
    service: S,
    op: K,
    data: OpIn<S, K>,
    options: RequestOptions = {},
  ): Promise<OpOut<S, K>> {
    // After shutdown the producer is gone; sending would quietly open a new connection.
    if (this.closed) return Promise.reject(new DomainError('UNAVAILABLE', 'the gateway is shutting down'));
    const requestId = randomUUID();
    const envelope: RequestEnvelope<K, OpIn<S, K>> = {
      requestId,
      op,
      replyKey: this.config.GATEWAY_INSTANCE_ID,
      sentAt: new Date().toISOString(),
      correlationId: options.correlationId ?? requestId,
      data,
    };
    const timeoutMs = options.timeoutMs ?? this.config.REQUEST_TIMEOUT_MS;
    return new Promise<OpOut<S, K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new DomainError('UNAVAILABLE', `${service} did not answer in time`));
      }, timeoutMs);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        fn();
      };
      this.pending.set(requestId, {
        resolve: (value) => settle(() => resolve(value as OpOut<S, K>)),
        reject: (err) => settle(() => reject(err)),
      });
      this.sink
        .send(requestTopic(service), [{ key: options.key ?? requestId, value: JSON.stringify(envelope) }])
        .catch((err: Error) => {
          this.logger.warn(`${service} ${op}: request not sent: ${err.message}`);
          this.pending.get(requestId)?.reject(new DomainError('UNAVAILABLE', `${service} cannot be reached`));
        });
    });
  }

  /** A value from `gateway.replies`: answers the waiting request if it is this instance's. */
  onReply(value: unknown): void {
    const parsed = replyEnvelopeSchema.safeParse(value);
    if (!parsed.success) {
      this.logger.warn(`ignored a malformed reply: ${parsed.error.issues[0]?.message}`);
      return;
    }
    const reply = parsed.data;
    if (reply.replyKey !== this.config.GATEWAY_INSTANCE_ID) return;
    const waiting = this.pending.get(reply.requestId);
    if (!waiting) return; // timed out already, or a redelivery
    if (reply.ok) {
      waiting.resolve(reply.data);
    } else {
      const code = isErrorCode(reply.error.code) ? reply.error.code : 'INTERNAL';
      waiting.reject(new DomainError(code, reply.error.message));
    }
  }

  /** Requests still waiting for an answer (for tests and diagnostics). */
  get waiting(): number {
    return this.pending.size;
  }
}
