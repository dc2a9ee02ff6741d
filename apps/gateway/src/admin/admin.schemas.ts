import { z } from 'zod';
import { DomainError } from '@pupitre/shared';
import { boundedText, messageText, optionalQuery, parseInput, uuid } from '../http/validation';

const name = boundedText(100);
const chatCapacity = z
  .number({ invalid_type_error: 'must be an integer from 0 to 20' })
  .int('must be an integer from 0 to 20')
  .min(0, 'must be an integer from 0 to 20')
  .max(20, 'must be an integer from 0 to 20');

// Unknown fields are ignored (zod strips them), except mobileCapacity: see rejectMobileCapacity.
const createAgent = z.object({ name, chatCapacity: chatCapacity.nullish() });
const updateAgent = z.object({ name: name.optional(), chatCapacity: chatCapacity.optional() });
const createCanned = z.object({ title: boundedText(100), text: messageText });

/** R5: no admin API may change mobile capacity, whatever value is sent. */
function rejectMobileCapacity(body: unknown): void {
  if (typeof body === 'object' && body !== null && Object.hasOwn(body, 'mobileCapacity')) {
    throw new DomainError(
      'MOBILE_CAPACITY_FIXED',
      'mobileCapacity is fixed by the platform (MOBILE_SLOTS) and cannot be set through the admin API',
    );
  }
}

export function parseCreateAgent(body: unknown): { name: string; chatCapacity: number | null } {
  rejectMobileCapacity(body);
  const d = parseInput(createAgent, body);
  return { name: d.name, chatCapacity: d.chatCapacity ?? null };
}

export function parseUpdateAgent(body: unknown): { name?: string; chatCapacity?: number } {
  rejectMobileCapacity(body);
  const d = parseInput(updateAgent, body);
  return {
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.chatCapacity !== undefined ? { chatCapacity: d.chatCapacity } : {}),
  };
}

export function parseCreateCanned(body: unknown): { title: string; text: string } {
  return parseInput(createCanned, body);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** A real calendar date, alone (UTC midnight) or with a time and an offset; normalised to UTC ISO. */
const isoInstant = z
  .string()
  .refine((v) => {
    const m = ISO_DATE.exec(v);
    if (!m || Number.isNaN(Date.parse(v))) return false;
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return day.getUTCMonth() === Number(m[2]) - 1 && day.getUTCDate() === Number(m[3]);
  }, 'must be an ISO 8601 date (2025-01-31) or date-time with offset (2025-01-31T12:00:00.000Z)')
  .transform((v) => new Date(v).toISOString());

const remunerationsQuery = z
  .object({ agentId: optionalQuery(uuid), from: optionalQuery(isoInstant), to: optionalQuery(isoInstant) })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] });

export function parseRemunerationsQuery(query: unknown): {
  agentId: string | null;
  from: string | null;
  to: string | null;
} {
  const q = parseInput(remunerationsQuery, query ?? {}, 'query');
  return { agentId: q.agentId ?? null, from: q.from ?? null, to: q.to ?? null };
}
