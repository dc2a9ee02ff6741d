import { hostname } from 'node:os';
import { z } from 'zod';

/** Thrown at boot when the environment is wrong; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function parseEnv<T extends z.ZodTypeAny>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

const intFrom = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (!/^-?\d+$/.test(v.trim())) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an integer, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

export const envInt = intFrom;

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/pupitre';

/** Kafka settings every service shares. */
export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v : '127.0.0.1:9092'))
    .pipe(
      z
        .string()
        .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port[,host:port...]')
        .transform((v) => v.split(',')),
    ),
  /** Prefixes every topic and consumer group: isolates test runs sharing one broker. Empty in production. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .optional()
    .transform((v) => v ?? '')
    .pipe(z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore only')),
  /**
   * Consumer timings (README, Configuration, says why each): a member that dies without leaving holds
   * its partitions for the session timeout, so it is the broker's minimum (6 s by default); a
   * heartbeat a second gives a live member six chances before the coordinator gives up on it.
   */
  KAFKA_SESSION_TIMEOUT_MS: intFrom(6000, 1000, 300000),
  KAFKA_HEARTBEAT_INTERVAL_MS: intFrom(1000, 100, 60000),
  /** How long a rebalance waits for live members to finish their batch and rejoin. */
  KAFKA_REBALANCE_TIMEOUT_MS: intFrom(15000, 1000, 300000),
  KAFKA_MAX_WAIT_MS: intFrom(500, 10, 10000),
  /** The longest wait between two retries of a Kafka request (backoff starts at 100 ms and doubles). */
  KAFKA_RETRY_MAX_MS: intFrom(1000, 100, 60000),
  /**
   * This instance's name, unique per instance and stable across its restarts (a container's host
   * name is): a restarted instance ends the group membership its killed predecessor left behind.
   */
  SERVICE_INSTANCE_ID: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : hostname().replace(/[^A-Za-z0-9._-]/g, '-')))
    .pipe(z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, dash, underscore only (1–100)')),
});
export type KafkaEnv = z.infer<typeof kafkaEnvSchema>;

/** Consumer timings that kafkajs or the broker would refuse, or that defeat their purpose. */
export function kafkaTimingProblems(e: KafkaEnv): string[] {
  const problems: string[] = [];
  if (e.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > e.KAFKA_SESSION_TIMEOUT_MS)
    problems.push('KAFKA_HEARTBEAT_INTERVAL_MS: must be at most a third of KAFKA_SESSION_TIMEOUT_MS');
  if (e.KAFKA_REBALANCE_TIMEOUT_MS < e.KAFKA_SESSION_TIMEOUT_MS)
    problems.push('KAFKA_REBALANCE_TIMEOUT_MS: must be at least KAFKA_SESSION_TIMEOUT_MS');
  return problems;
}

export const databaseEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v : DEFAULT_DATABASE_URL))
    .pipe(z.string().regex(/^postgres(ql)?:\/\/.+\/[^/?]+/, 'must be postgres://user@host:port/database')),
  /**
   * Every session of the service's pool ends what hangs: a statement running longer, a lock waited
   * for longer (55P03, retried as transient), a transaction left idle longer (its session is
   * terminated and its locks freed: a host that vanished inside a transaction holding routing's
   * channel locks stops assignment for this long, not for hours). 0 disables one.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: intFrom(30_000, 0, 3_600_000),
  DATABASE_LOCK_TIMEOUT_MS: intFrom(10_000, 0, 3_600_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: intFrom(10_000, 0, 3_600_000),
  /** Connecting gives up after this long (the pool's caller sees an error, retried as transient). */
  DATABASE_CONNECT_TIMEOUT_MS: intFrom(10_000, 1000, 600_000),
  /**
   * TCP keepalives, both ends: idle seconds before the first probe (client and server side); the
   * server also probes every third of it, three times, so a vanished peer is noticed in about twice this.
   */
  DATABASE_KEEPALIVE_MS: intFrom(10_000, 1000, 3_600_000),
  /**
   * A session of the pool left idle this long is closed (0: never). Long, so that a burst after a lull
   * finds its sessions open: a new one costs PostgreSQL a backend to start and the service its
   * statements to prepare again, just when the load arrives.
   */
  DATABASE_POOL_IDLE_TIMEOUT_MS: intFrom(300_000, 0, 86_400_000),
  /**
   * The outbox relay's leadership lease: the leader's session is ended by the server once idle this
   * long (a process stopped, a host gone), which frees its lock for another instance; a live leader
   * touches it every third of it, and checks it still holds it before each publish.
   */
  OUTBOX_RELAY_LEASE_MS: intFrom(5000, 1000, 600_000),
});
export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

/** No default: an unset NODE_ENV is treated like production (secrets required), never as development. */
export const nodeEnvSchema = z.object({
  NODE_ENV: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['development', 'production', 'test']).optional(),
  ),
});

/**
 * Secrets (ADMIN_TOKEN, JWT_SECRET) have public development defaults only when NODE_ENV says, in so
 * many words, `development` or `test`; anything else (unset, production) must set them.
 */
export const secretsRequired = (nodeEnv: string | undefined): boolean =>
  nodeEnv !== 'development' && nodeEnv !== 'test';
