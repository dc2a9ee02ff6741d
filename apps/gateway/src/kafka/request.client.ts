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
  SERVICES,
  currentCorrelationId,
  pipelineTrace,
} from '@pupitre/shared';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { NotSent, Unavailable } from '../http';
import { CompletionRate } from './completion-rate';
import { UsualLatency } from './usual-latency';

export type OpName<S extends ServiceName> = keyof ServiceOps[S] & string;
export type OpIn<S extends ServiceName, K extends OpName<S>> = ServiceOps[S][K] extends { in: infer I }
  ? I
  : never;
export type OpOut<S extends ServiceName, K extends OpName<S>> = ServiceOps[S][K] extends { out: infer O }
  ? O
  : never;

/** What a refusal at a service's bound says (the door thread's too). */
export function overloadedMessage(service: ServiceName): string {
  return `${service} is overloaded; try again later`;
}

export interface RequestOptions {
  /** The aggregate the request touches (conversation, visitor, agent): keeps its requests in order. */
  key?: string;
  timeoutMs?: number;
  correlationId?: string;
  /**
   * Admitted already, against this service's bound, by the door thread (http/door-thread.ts), which
   * keeps count of what it admitted: not refused again here.
   */
  admitted?: boolean;
  /** A client's retry (`X-Attempt` 2 or more): held to the retries' bound (`boundFor`). */
  retry?: boolean;
}

/** What the client needs of a producer (the shared KafkaProducer in the app, a fake in tests). */
export interface RequestSink {
  connect(): Promise<void>;
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export const REQUEST_SINK = Symbol('REQUEST_SINK');

interface Pending {
  /** The service answered: with data, or with a domain error (an answer all the same). */
  answer(reply: { ok: true; data: unknown } | { ok: false; error: Error }): void;
  reject(err: Error): void;
}

export type RequestClientConfig = Pick<
  GatewayConfig,
  | 'GATEWAY_INSTANCE_ID'
  | 'REQUEST_TIMEOUT_MS'
  | 'REQUEST_DEADLINE_MARGIN_MS'
  | 'MAX_IN_FLIGHT_PER_SERVICE'
  | 'REQUEST_QUEUE_TARGET_MS'
  | 'REQUEST_RETRY_QUEUE_TARGET_MS'
>;

/** Retry-After is the time the service needs to answer what is waiting, within these bounds. */
const MIN_RETRY_AFTER_S = 1;
const MAX_RETRY_AFTER_S = 30;
/**
 * The bound never falls below this: an idle service has answered nothing lately, yet takes a burst
 * (a page of desks reconnecting, a test opening 50 conversations); 256 waiting requests are a few
 * seconds of work for a service at its measured capacity, within the request timeout.
 */
export const MIN_IN_FLIGHT = 256;
/** The retries' bound never falls below this: a few retries get in at once when nothing waits. */
export const MIN_RETRY_IN_FLIGHT = 16;

/**
 * The gateway's one way to ask a service for something: a request on `<service>.requests`, the
 * answer on `gateway.replies` (fed by RepliesConsumer), matched by request id. An error answer is
 * rethrown with its code.
 *
 * Overload: each request carries its deadline (sent + timeout); the service drops it unapplied once
 * that has passed, and this client answers UNAVAILABLE only after the deadline plus
 * REQUEST_DEADLINE_MARGIN_MS, so nothing a client was told failed is applied later.
 *
 * In flight per service: a request should wait for a service about REQUEST_QUEUE_TARGET_MS, far
 * inside its timeout, so the bound is what the service answered per second (over the last 5 s, or
 * over the last 1,000 ms if that is more) × REQUEST_QUEUE_TARGET_MS (Little's law), at least
 * MIN_IN_FLIGHT and at most MAX_IN_FLIGHT_PER_SERVICE. Beyond it, UNAVAILABLE at once, the request
 * not sent, with a Retry-After from how fast that service has been answering. A queue that holds
 * only what the service does in that time refuses the surplus at once rather than at its deadline,
 * and drains within it when the load falls.
 *
 * Retries wait behind new work: a client's retry is held to a lower bound, what the service answers
 * in its usual latency (UsualLatency: the lowest per-second mean over 5 minutes) plus
 * REQUEST_RETRY_QUEUE_TARGET_MS (25 ms), at least MIN_RETRY_IN_FLIGHT. After an overload the clients
 * come back with everything they were refused; let in like new messages, those retries keep the
 * machine saturated and every message, new ones too, waits for seconds until they are all served
 * (bench/overload). Held to the lower bound, they get in while requests take little longer than
 * usual, so they are served as fast as the service has room for them, and new messages are served
 * as if the overload had not happened. A target that ignored the usual latency would starve the
 * retries where that latency is near it (a fixed 50 ms on bench/overload's shared cores) and let
 * them queue needlessly long where it is a few ms.
 */
@Injectable()
export class RequestClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RequestClient.name);
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<ServiceName, number>;
  private readonly answered = rates();
  private readonly usual = Object.fromEntries(SERVICES.map((s) => [s, new UsualLatency()])) as Record<
    ServiceName,
    UsualLatency
  >;
  /** Requests refused at the bound: their clients come back, so they count in Retry-After. */
  private readonly refused = rates();
  private closed = false;

  constructor(
    @Inject(REQUEST_SINK) private readonly sink: RequestSink,
    @Inject(GATEWAY_CONFIG) private readonly config: RequestClientConfig,
  ) {}

  private now(): number {
    return Date.now();
  }

  async onApplicationBootstrap(): Promise<void> {
    // With PIPELINE_TRACE_MS: what waits for each service, against its bound for a first try.
    pipelineTrace()?.sample('inFlight', () => ({ ...this.inFlight }));
    pipelineTrace()?.sample('bound', () => Object.fromEntries(SERVICES.map((s) => [s, this.boundFor(s)])));
    await this.sink.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Unavailable('the gateway is shutting down'));
    this.pending.clear();
    await this.sink.disconnect();
  }

  request<S extends ServiceName, K extends OpName<S>>(
    service: S,
    op: K,
    data: OpIn<S, K>,
    options: RequestOptions = {},
  ): Promise<OpOut<S, K>> {
    // After shutdown the producer is closed (it would refuse the send): say so in the gateway's terms.
    if (this.closed) return Promise.reject(new NotSent('the gateway is shutting down'));
    const full = options.admitted ? null : this.refusal(service, options.retry);
    if (full) return Promise.reject(full);
    const requestId = randomUUID();
    const timeoutMs = options.timeoutMs ?? this.config.REQUEST_TIMEOUT_MS;
    const sentAt = this.now();
    // The answer time on the monotonic clock: the wall clock may be set back meanwhile.
    const startedAt = performance.now();
    const envelope: RequestEnvelope<K, OpIn<S, K>> = {
      requestId,
      op,
      replyKey: this.config.GATEWAY_INSTANCE_ID,
      sentAt: new Date(sentAt).toISOString(),
      deadline: new Date(sentAt + timeoutMs).toISOString(),
      // The service stops committing half a margin before the deadline, so a commit and its reply
      // have one and a half margins to arrive before this client answers 503.
      commitBy: new Date(
        sentAt + Math.max(0, timeoutMs - Math.floor(this.config.REQUEST_DEADLINE_MARGIN_MS / 2)),
      ).toISOString(),
      // The HTTP request's or socket command's id (logging/log-context.ts): one id along the whole path.
      correlationId: options.correlationId ?? currentCorrelationId() ?? requestId,
      data,
    };
    this.inFlight[service]++;
    this.onInFlightChange?.();
    return new Promise<OpOut<S, K>>((resolve, reject) => {
      // Past the deadline the service drops the request; past the margin it cannot commit it any more.
      const timer = setTimeout(() => {
        this.pending
          .get(requestId)
          ?.reject(new Unavailable(`${service} did not answer in time`, this.retryAfterSeconds(service)));
      }, timeoutMs + this.config.REQUEST_DEADLINE_MARGIN_MS);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        if (!this.pending.delete(requestId)) return;
        this.inFlight[service]--;
        fn();
        this.onInFlightChange?.();
      };
      this.pending.set(requestId, {
        // Every answer counts towards the service's rate, errors too: the bound and Retry-After
        // measure how fast it answers, not how often it says yes.
        answer: (reply) =>
          settle(() => {
            const now = this.now();
            this.answered[service].add(now);
            this.usual[service].add(now, performance.now() - startedAt);
            if (reply.ok) resolve(reply.data as OpOut<S, K>);
            else reject(reply.error);
          }),
        reject: (err) => settle(() => reject(err)),
      });
      // A failed send may still have reached the broker (a timeout after the write): the answer is
      // awaited until the deadline plus margin like any other, so a 503 is never followed by an effect.
      this.sink
        .send(requestTopic(service), [{ key: options.key ?? requestId, value: JSON.stringify(envelope) }])
        .catch((err: Error) => this.logger.warn(`${service} ${op}: request may not be sent: ${err.message}`));
    });
  }

  /**
   * The refusal a request to this service gets now, or null while it is under its bound: what
   * `request` answers at once, and what the HTTP load shedder answers before even reading the body.
   */
  refusal(service: ServiceName, retry = false): NotSent | null {
    if (this.inFlight[service] < this.boundFor(service, retry)) return null;
    const retryAfter = this.retryAfterSeconds(service);
    this.refused[service].add(this.now());
    return NotSent.refusal(overloadedMessage(service), retryAfter);
  }

  /**
   * How many requests may wait for this service now when another arrives: a first try, or a client's
   * retry (see the class comment).
   */
  boundFor(service: ServiceName, retry = false): number {
    const now = this.now();
    const answered = this.answered[service];
    // The last 1,000 ms's rate too: a burst after a quiet spell is answered at its own pace at once,
    // while the 5-s average still counts the quiet seconds (bench/flow, issue 7's note, session 20).
    const perSecond = Math.max(answered.perSecond(now), answered.recentPerSecond(now));
    const bound = Math.min(
      this.config.MAX_IN_FLIGHT_PER_SERVICE,
      Math.max(MIN_IN_FLIGHT, Math.ceil((perSecond * this.config.REQUEST_QUEUE_TARGET_MS) / 1000)),
    );
    if (!retry || this.config.REQUEST_RETRY_QUEUE_TARGET_MS >= this.config.REQUEST_QUEUE_TARGET_MS)
      return bound;
    const waitMs = (this.usual[service].ms(now) ?? 0) + this.config.REQUEST_RETRY_QUEUE_TARGET_MS;
    return Math.min(bound, Math.max(MIN_RETRY_IN_FLIGHT, Math.ceil((perSecond * waitMs) / 1000)));
  }

  /** How long this service usually takes to answer, in ms (UsualLatency); undefined before it has. */
  usualLatencyMs(service: ServiceName): number | undefined {
    return this.usual[service].ms(this.now());
  }

  /** Requests waiting for this service's answer now. */
  inFlightTo(service: ServiceName): number {
    return this.inFlight[service];
  }

  /** Called after every request sent and every one settled (the door thread's view: main.ts). */
  onInFlightChange?: () => void;

  /** Refusals the door thread made for this service: they count towards Retry-After as this one's. */
  countRefusedElsewhere(service: ServiceName, count: number): void {
    this.refused[service].add(this.now(), count);
  }

  /**
   * How long the service needs for what waits for it at the rate it answers: the requests in flight,
   * and the clients refused over the last 5 s, who will try again. Counting those spreads their
   * retries over the time the service needs for them; told 1 s each, clients retrying through a
   * fourfold overload sent the gateway twenty times what the service answered, and it spent
   * itself refusing them (bench/overload, issue 7's note).
   */
  retryAfterSeconds(service: ServiceName): number {
    const now = this.now();
    const perSecond = this.answered[service].perSecond(now);
    // No recent answer (a start, or after a quiet spell): nothing says the wait is long, so the
    // shortest; a burst of desk reconnects after idling must not be told to wait 30 s.
    if (perSecond <= 0) return MIN_RETRY_AFTER_S;
    const waiting = this.inFlight[service] + this.refused[service].inWindow(now);
    return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, Math.ceil(waiting / perSecond)));
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
      waiting.answer({ ok: true, data: reply.data });
    } else {
      const code = isErrorCode(reply.error.code) ? reply.error.code : 'INTERNAL';
      waiting.answer({ ok: false, error: new DomainError(code, reply.error.message) });
    }
  }

  /** Requests still waiting for an answer (for tests and diagnostics). */
  get waiting(): number {
    return this.pending.size;
  }
}

function rates(): Record<ServiceName, CompletionRate> {
  return Object.fromEntries(SERVICES.map((s) => [s, new CompletionRate()])) as Record<
    ServiceName,
    CompletionRate
  >;
}
