import { z } from 'zod';
import { databaseEnvSchema, envInt, kafkaEnvSchema, parseEnv } from '@pupitre/shared';

const schema = kafkaEnvSchema.merge(databaseEnvSchema).extend({
  /** What one closed conversation pays, in minor units of the currency (R14). */
  REMUNERATION_MOBILE_APP_MINOR: envInt(150, 0, 1_000_000),
  REMUNERATION_WEB_CHAT_MINOR: envInt(100, 0, 1_000_000),
  REMUNERATION_CURRENCY: z
    .string()
    .optional()
    .transform((v) => v || 'EUR')
    .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')),
});

export type BillingConfig = z.infer<typeof schema>;

export const loadBillingConfig = (env: NodeJS.ProcessEnv = process.env): BillingConfig =>
  parseEnv(schema, env);
