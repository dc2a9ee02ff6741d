import { z } from 'zod';
import { databaseEnvSchema, kafkaEnvSchema, parseEnv } from '@pupitre/shared';

const schema = kafkaEnvSchema.merge(databaseEnvSchema);

export type ConversationConfig = z.infer<typeof schema>;

export const loadConversationConfig = (env: NodeJS.ProcessEnv = process.env): ConversationConfig =>
  parseEnv(schema, env);
