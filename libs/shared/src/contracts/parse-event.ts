import type { z } from 'zod';
import { envelopeSchema, EventEnvelope } from './envelope';

export type ParsedEvent<E> =
  { kind: 'event'; event: E } | { kind: 'ignored' } | { kind: 'invalid'; reason: string };

/**
 * Validates an event against its topic's schemas, the one parser every consumer uses. A type the
 * consumer does not want, or does not know (a producer may be newer), is ignored; a known type with
 * a bad shape is invalid.
 */
export function parseEvent<E extends EventEnvelope>(
  schemas: Record<string, z.ZodTypeAny>,
  wanted: ReadonlySet<string>,
  value: unknown,
): ParsedEvent<E> {
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) return { kind: 'invalid', reason: `envelope: ${envelope.error.issues[0]?.message}` };
  const { type } = envelope.data;
  if (!wanted.has(type) || !Object.hasOwn(schemas, type)) return { kind: 'ignored' };
  const data = schemas[type].safeParse(envelope.data.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    return { kind: 'invalid', reason: `${type}: ${issue?.path.join('.')} ${issue?.message}` };
  }
  return { kind: 'event', event: { ...envelope.data, data: data.data } as E };
}

/** For inbox consumers: the event, null when ignored; an invalid event throws (and is dead-lettered). */
export function eventOrNull<E>(parsed: ParsedEvent<E>): E | null {
  if (parsed.kind === 'invalid') throw new Error(`invalid event: ${parsed.reason}`);
  return parsed.kind === 'event' ? parsed.event : null;
}
