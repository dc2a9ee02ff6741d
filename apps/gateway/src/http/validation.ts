import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { boundedText, codePointString, DomainError, MAX_TEXT_CHARS } from '@pupitre/shared';

/** Parses input at the door; a refusal names the field and is VALIDATION_FAILED (400 / ack). */
export function parseInput<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, what = 'body'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length > 0 ? issue.path.join('.') : what;
  const message =
    issue.code === 'invalid_type' && issue.path.length === 0 ? `must be a JSON object` : issue.message;
  throw new DomainError('VALIDATION_FAILED', `${where}: ${message}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** Lower-cased, so ids compare equal to the ones the services return. */
export const uuid = z
  .string({ required_error: 'required', invalid_type_error: 'must be a UUID' })
  .refine(isUuid, 'must be a UUID')
  .transform((v) => v.toLowerCase());

export { boundedText };

/** CONTRACT.md Conventions: message text, 1–4000 characters, kept byte for byte. */
export const messageText = boundedText(MAX_TEXT_CHARS);

export const clientMessageId = codePointString(1, 64);

/** Query strings: an empty value is the same as none; a repeated one (an array) is refused. */
export const optionalQuery = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * A path id that is not a UUID names nothing that can exist: NOT_FOUND, like any unknown id.
 * (A malformed id in a body or query is the caller's mistake: VALIDATION_FAILED.)
 */
export class PathIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isUuid(value)) throw new DomainError('NOT_FOUND', 'no such resource');
    return value.toLowerCase();
  }
}
