import { z } from 'zod';
import { dateTimeSchema } from './date-time';
import { renderDocuments } from './documents';

const SAMPLES = [
  '2026-12-03T10:00:00Z',
  '2026-12-03T10:00:00.123Z',
  '2026-12-03T10:00:00.123456Z',
  '2026-12-03T10:00Z',
  '2026-12-03T10:00:00+01:00',
  '2026-12-03T10:00:00.5-0530',
  '2026-12-03T10:00:00',
  '2026-12-03',
  '2024-02-29T00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-12-03T24:00:00Z',
  '2026-12-03 10:00:00Z',
  ' 2026-12-03T10:00:00Z',
  '',
  'yesterday',
];

describe('dateTimeSchema', () => {
  it.each([false, true])(
    'accepts and refuses exactly what zod’s .datetime({ offset: %s }) does',
    (offset) => {
      const zods = z.string().datetime({ offset });
      const ours = dateTimeSchema({ offset });
      for (const sample of SAMPLES) {
        expect([sample, ours.safeParse(sample).success]).toEqual([sample, zods.safeParse(sample).success]);
      }
    },
  );

  it('says why, as zod does', () => {
    const result = dateTimeSchema().safeParse('yesterday');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe('Invalid datetime');
  });

  it('refuses what is not a string, as zod does', () => {
    const ours = dateTimeSchema().safeParse(1_700_000_000_000);
    expect(ours.success).toBe(false);
    expect(ours.error?.issues).toEqual(z.string().datetime().safeParse(1_700_000_000_000).error?.issues);
  });

  it('checks the same once described, optional or nullable', () => {
    const described = dateTimeSchema().describe('when');
    expect(described.description).toBe('when');
    expect(described.safeParse('2026-12-03T10:00:00Z').success).toBe(true);
    expect(described.safeParse('2026-12-03T10:00:00+01:00').success).toBe(false);
    expect(dateTimeSchema().optional().safeParse(undefined).success).toBe(true);
    expect(dateTimeSchema({ offset: true }).nullable().safeParse(null).success).toBe(true);
    expect(dateTimeSchema({ offset: true }).nullable().safeParse('2026-12-03').success).toBe(false);
  });

  it('keeps a check added after it', () => {
    const longer = dateTimeSchema().min(25);
    expect(longer.safeParse('2026-12-03T10:00:00Z').success).toBe(false);
    expect(longer.safeParse('2026-12-03T10:00:00.000000Z').success).toBe(true);
  });

  it('is documented as a date-time string, as before', () => {
    const docs = renderDocuments()['openapi.json'];
    expect(docs).toContain('"format": "date-time"');
    expect(docs).not.toContain('"pattern": "^((');
  });
});
