import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { DomainError, isUuid } from '@pupitre/shared';

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

export { isUuid };

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
