import { z } from '../zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** An id sent by a client, lower-cased so that it compares equal to the ones the services return. */
export const publicIdSchema = z
  .string({ required_error: 'required', invalid_type_error: 'must be a UUID' })
  .refine(isUuid, 'must be a UUID')
  .transform((v) => v.toLowerCase())
  .openapi({ type: 'string', format: 'uuid' });

/** Query strings: an empty value is the same as none; a repeated one (an array) is refused. */
export const optionalQuery = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** A real calendar date, alone (UTC midnight) or with a time and an offset; normalised to UTC ISO. */
export const isoInstantSchema = z
  .string()
  .refine((v) => {
    const m = ISO_DATE.exec(v);
    if (!m || Number.isNaN(Date.parse(v))) return false;
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return day.getUTCMonth() === Number(m[2]) - 1 && day.getUTCDate() === Number(m[3]);
  }, 'must be an ISO 8601 date (2025-01-31) or date-time with offset (2025-01-31T12:00:00.000Z)')
  .transform((v) => new Date(v).toISOString())
  .openapi({ type: 'string', description: 'ISO 8601 date (2025-01-31) or date-time with offset' });

/** A list of allowed values whose refusal names them all. */
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { errorMap: () => ({ message: `must be one of ${values.join(', ')}` }) });
