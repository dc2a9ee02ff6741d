import { datetimeRegex, type ParseInput, type ParseReturnType, type ZodStringDef, ZodString } from 'zod';
import { z } from './zod';

/** zod's own patterns for `.datetime()` and `.datetime({ offset: true })`, built once. */
const UTC = datetimeRegex({ precision: null, offset: false, local: false });
const WITH_OFFSET = datetimeRegex({ precision: null, offset: true, local: false });

/**
 * A string with zod's `.datetime()` check, which zod 3 builds its pattern for again on every parse. A
 * value that matches the pattern built once is valid at once; anything else goes through zod's own
 * check, so what is refused is refused with zod's own issue. Only a string whose one check is that
 * date-time takes the short way (zod's methods that add a check build a plain ZodString). The class is
 * kept by the methods that copy a schema (`describe`, `openapi`), and its definition is zod's, so the
 * generated documents still say `format: date-time`.
 */
class DateTimeString extends ZodString {
  private readonly pattern: RegExp | null;

  constructor(def: ZodStringDef) {
    super(def);
    const [check, ...others] = def.checks;
    this.pattern =
      others.length > 0 || check?.kind !== 'datetime' || check.precision !== null || check.local
        ? null
        : check.offset
          ? WITH_OFFSET
          : UTC;
  }

  override _parse(input: ParseInput): ParseReturnType<string> {
    if (this.pattern && typeof input.data === 'string' && this.pattern.test(input.data)) {
      return { status: 'valid', value: input.data };
    }
    return super._parse(input);
  }
}

/**
 * An ISO 8601 date-time: exactly `z.string().datetime(options)`, for less. Every request envelope,
 * event and heartbeat carries one to three; rebuilding their patterns was 1.1–1.6 % of each service's
 * busy time at 1,000 visitor messages/s, and a whole request envelope (two of them) parses in 0.9 µs
 * instead of 2.8 (`npm run bench:schema-cost`; issue 7's note, session 27). `offset`: `+01:00` as
 * well as `Z`.
 */
export function dateTimeSchema(options: { offset?: boolean } = {}): ZodString {
  return new DateTimeString(z.string().datetime({ offset: options.offset ?? false })._def);
}
