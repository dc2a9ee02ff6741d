import type { IHeaders } from 'kafkajs';

/**
 * Header the outbox relay sets on every event it publishes: the envelope's `type`, so that a consumer
 * can pass over the types it does not apply without parsing the value (KafkaServer, `eventTypes`).
 */
export const EVENT_TYPE_HEADER = 'pupitre-event-type';

/**
 * Whether a consumer that applies only `wanted` may pass the record over: its header names another
 * type. A record without the header (published before it existed, or by hand) is never passed over.
 */
export function unwantedByHeader(headers: IHeaders | undefined, wanted: ReadonlySet<string>): boolean {
  const raw = headers?.[EVENT_TYPE_HEADER];
  if (raw === undefined || Array.isArray(raw)) return false;
  return !wanted.has(typeof raw === 'string' ? raw : raw.toString());
}

/** The event types a topic's handlers apply: those they named, or `all`. */
export type TypesApplied = ReadonlySet<string> | 'all';

/**
 * What a topic's handlers apply once one more is registered with `named` (Nest chains several event
 * handlers of one topic): the union of what they named, or every type as soon as one named none.
 */
export function typesApplied(
  before: TypesApplied | undefined,
  named: ReadonlySet<string> | undefined,
): TypesApplied {
  if (before === 'all' || named === undefined) return 'all';
  return before ? new Set([...before, ...named]) : named;
}
