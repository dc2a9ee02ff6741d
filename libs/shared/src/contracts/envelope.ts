import { randomUUID } from 'node:crypto';
import { z } from './zod';
import { dateTimeSchema } from './date-time';

/**
 * Every internal event travels in this envelope. The Kafka key is the aggregate id
 * (the conversation id, or the agent id for agent events) so one aggregate's events stay in order.
 */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  eventId: string;
  type: TType;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  data: TData;
}

export const envelopeSchema = z.object({
  eventId: z.string().uuid(),
  type: z.string().min(1),
  occurredAt: dateTimeSchema({ offset: true }),
  correlationId: z.string().min(1),
  causationId: z.string().nullable(),
  data: z.unknown(),
});

/** The whole record of one event type on its topic: the envelope with its type and data. */
export const eventMessageSchema = <TType extends string, TData extends z.ZodTypeAny>(
  type: TType,
  data: TData,
) => envelopeSchema.extend({ type: z.literal(type), data });

/** Where an event came from: the event or request that caused it, for tracing a chain. */
export interface Cause {
  eventId: string;
  correlationId: string;
}

export function envelope<TType extends string, TData>(
  type: TType,
  data: TData,
  at: Date,
  cause?: Cause,
): EventEnvelope<TType, TData> {
  const eventId = randomUUID();
  return {
    eventId,
    type,
    occurredAt: at.toISOString(),
    correlationId: cause?.correlationId ?? eventId,
    causationId: cause?.eventId ?? null,
    data,
  };
}
