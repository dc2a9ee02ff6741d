import { z } from 'zod';
import { databaseEnvSchema, envInt, kafkaEnvSchema, parseEnv } from '@pupitre/shared';

const schema = kafkaEnvSchema.merge(databaseEnvSchema).extend({
  /** R5: the platform's fixed mobile capacity; no API changes it. */
  MOBILE_SLOTS: envInt(2, 0, 20),
  /** R4: chat slots of a new agent unless the admin says otherwise. */
  DEFAULT_CHAT_SLOTS: envInt(3, 0, 20),
  FIRST_RESPONSE_TIMEOUT_MS: envInt(300_000, 100, 30 * 24 * 3600 * 1000),
  RESPONSE_TIMEOUT_MS: envInt(43_200_000, 100, 30 * 24 * 3600 * 1000),
  INACTIVITY_CLOSE_MS: envInt(604_800_000, 100, 365 * 24 * 3600 * 1000),
  /** How often sweeps look for due deadlines; the contract wants action within 2 s. */
  SWEEP_INTERVAL_MS: envInt(500, 50, 1000),
  /**
   * A gateway instance not heard of for this long (it beats every DESK_INSTANCE_HEARTBEAT_MS, 5 s) is
   * taken for dead: its desk connections are dropped and its agents stop being available.
   */
  DESK_INSTANCE_TTL_MS: envInt(30_000, 500, 3_600_000),
});

export type RoutingConfig = z.infer<typeof schema>;

export const loadRoutingConfig = (env: NodeJS.ProcessEnv = process.env): RoutingConfig =>
  parseEnv(schema, env);
