import { z } from '../zod';
import type { ErrorBody } from '../../errors';
import { dateTimeSchema } from '../date-time';

/**
 * Request/reply over Kafka: the gateway (the only door) asks a service for something and waits for
 * the answer on `gateway.replies`. Requests are keyed by the aggregate they touch; replies by the
 * asking gateway instance. Services answer the same request id with the same reply (stored with
 * the effect), so a redelivered request never acts twice.
 */
export const SERVICES = ['conversation', 'routing', 'billing'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const requestTopic = (service: ServiceName) => `${service}.requests` as const;
export const GATEWAY_REPLIES = 'gateway.replies';

export interface RequestEnvelope<TOp extends string = string, TData = unknown> {
  requestId: string;
  op: TOp;
  /** The gateway instance waiting for the reply; replies are filtered by it. */
  replyKey: string;
  sentAt: string;
  /**
   * After this instant the gateway no longer waits for the answer (it answers 503 once this plus
   * its margin has passed): the service drops the request with no effect. Absent from an older
   * gateway's requests, which are served whenever they are read.
   */
  deadline?: string;
  /**
   * The service commits the request only before this instant (the gateway sets it to the deadline
   * minus half its margin, so that the commit and the reply fit before it answers 503). Absent: the
   * deadline is the limit.
   */
  commitBy?: string;
  correlationId: string;
  data: TData;
}

/**
 * Whether a request may no longer be committed at `now`: past its `commitBy`, else past its deadline
 * (a request with neither never expires).
 */
export function isExpired(request: Pick<RequestEnvelope, 'deadline' | 'commitBy'>, now: Date): boolean {
  const limit = request.commitBy ?? request.deadline;
  return limit !== undefined && Date.parse(limit) <= now.getTime();
}

export const requestEnvelopeSchema = z.object({
  requestId: z.string().uuid(),
  op: z.string().min(1),
  replyKey: z.string().min(1),
  sentAt: z.string(),
  deadline: dateTimeSchema()
    .optional()
    .describe('ISO 8601; past it the service drops the request unapplied (absent: no deadline)'),
  commitBy: dateTimeSchema()
    .optional()
    .describe('ISO 8601; the service commits the request only before it (absent: the deadline)'),
  correlationId: z.string().min(1),
  data: z.unknown(),
});

export type ReplyEnvelope =
  | { requestId: string; replyKey: string; ok: true; data: unknown }
  | { requestId: string; replyKey: string; ok: false; error: ErrorBody };

export const replyEnvelopeSchema = z.union([
  z.object({ requestId: z.string(), replyKey: z.string(), ok: z.literal(true), data: z.unknown() }),
  z.object({
    requestId: z.string(),
    replyKey: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
]);
