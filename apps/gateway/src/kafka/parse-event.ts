import type { z } from 'zod';
import { envelopeSchema, EventEnvelope } from '@pupitre/shared';

export type ParsedEvent<E> =
  { kind: 'event'; event: E } | { kind: 'ignored' } | { kind: 'invalid'; reason: string };

/**
 * Validates an event against the shared schemas. A type the gateway does not know is ignored (a
 * producer may be newer than this instance); a known type with a bad shape is reported as invalid.
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
