import { z } from './zod';

/**
 * Topic `<topic>.dlq`, key = the original key. Produced by any consumer that gave up on a message
 * (invalid, or failing after the bounded attempts); read by operators, replayed by hand.
 */
export const deadLetterSchema = z
  .object({
    originalTopic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    /** The original record's value, as it was read (UTF-8). */
    value: z.string(),
    consumerGroup: z.string(),
    error: z.string(),
    attempts: z.number().int(),
    deadLetteredAt: z.string(),
  })
  .describe('A record a consumer gave up on, with why; replayed by hand to its original topic.')
  .openapi('DeadLetter');
export type DeadLetter = z.infer<typeof deadLetterSchema>;

export const deadLetterTopic = (topic: string) => `${topic}.dlq`;
