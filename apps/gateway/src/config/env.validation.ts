import { hostname } from 'node:os';
import { z } from 'zod';
import { envInt, kafkaEnvSchema, nodeEnvSchema, parseEnv, secretsRequired } from '@pupitre/shared';

/** Development defaults: printed at start, used only when NODE_ENV is `development` or `test`. */
export const DEV_ADMIN_TOKEN = 'pupitre-dev-admin-token';
export const DEV_JWT_SECRET = 'pupitre-dev-jwt-secret-not-for-production';
const MIN_PRODUCTION_SECRET = 16;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A visitor token older than this is renewed on use (X-Visitor-Token): what "sliding" costs in slack. */
export const VISITOR_TOKEN_RENEW_AFTER_MS = HOUR_MS;
const UNSET = -1;

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v : undefined));

const schema = kafkaEnvSchema
  .merge(nodeEnvSchema)
  .extend({
    PORT: envInt(3000, 0, 65535),
    ADMIN_TOKEN: optionalSecret,
    JWT_SECRET: optionalSecret,
    REQUEST_TIMEOUT_MS: envInt(5000, 100, 120000),
    GATEWAY_INSTANCE_ID: z
      .string()
      .optional()
      .transform((v) => (v && v.trim() ? v.trim() : undefined))
      .pipe(
        z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, dash, underscore only (1–100)')
          .optional(),
      ),
    // Per client address; mobile carriers put many phones behind one address (CGNAT), so not too low.
    RATE_LIMIT_VISITORS_PER_MINUTE: envInt(600, 1, 1_000_000),
    // Tokens (docs/contract.md, Tokens): desk tokens last about a working day and are refreshed with
    // POST /v1/agent/token; visitor tokens outlive R11 after their last use (renewed on use, or
    // refreshed with POST /v1/visitor/token), so a visitor back within 7 days is never stranded.
    AGENT_TOKEN_TTL_MS: envInt(10 * HOUR_MS, 60_000, 30 * DAY_MS),
    // Unset: INACTIVITY_CLOSE_MS + 1 day (8 days by default).
    VISITOR_TOKEN_TTL_MS: envInt(UNSET, 60_000, 365 * DAY_MS),
    INACTIVITY_CLOSE_MS: envInt(7 * DAY_MS, 1000, 365 * DAY_MS),
    // Overload (docs/architecture.md, Overload and readiness). A request's deadline is its send time
    // plus REQUEST_TIMEOUT_MS; the 503 waits this margin more, which must exceed the time between a
    // service's last deadline check and its commit, plus the clock skew between the two hosts.
    REQUEST_DEADLINE_MARGIN_MS: envInt(1000, 50, 60_000),
    // The most requests waiting for one service's answer, per gateway instance; beyond, 503 at once.
    // The bound in force adapts below it (RequestClient.boundFor): answers/s × half the timeout.
    MAX_IN_FLIGHT_PER_SERVICE: envInt(1000, 1, 1_000_000),
    // /health/ready: a service is down when its last heartbeat is older than this.
    READINESS_MAX_HEARTBEAT_AGE_MS: envInt(5000, 1000, 600_000),
    // Ghost desks: this instance tells routing it is alive this often; routing drops the desks of an
    // instance silent for its DESK_INSTANCE_TTL_MS (30 s), which should be several of these.
    DESK_INSTANCE_HEARTBEAT_MS: envInt(5000, 100, 600_000),
  })
  .superRefine((e, ctx) => {
    if (
      e.VISITOR_TOKEN_TTL_MS !== UNSET &&
      e.VISITOR_TOKEN_TTL_MS < e.INACTIVITY_CLOSE_MS + VISITOR_TOKEN_RENEW_AFTER_MS
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['VISITOR_TOKEN_TTL_MS'],
        message: `must be at least INACTIVITY_CLOSE_MS + ${VISITOR_TOKEN_RENEW_AFTER_MS} (a visitor token outlives R11)`,
      });
    }
    if (!secretsRequired(e.NODE_ENV)) return;
    for (const name of ['ADMIN_TOKEN', 'JWT_SECRET'] as const) {
      const value = e[name];
      if (!value) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: 'required unless NODE_ENV is development or test',
        });
      } else if (value.length < MIN_PRODUCTION_SECRET) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [name],
          message: `must be at least ${MIN_PRODUCTION_SECRET} characters unless NODE_ENV is development or test`,
        });
      }
    }
  })
  .transform((e) => {
    const warnings: string[] = [];
    if (!e.ADMIN_TOKEN)
      warnings.push(`ADMIN_TOKEN is not set: using the development default "${DEV_ADMIN_TOKEN}"`);
    if (!e.JWT_SECRET)
      warnings.push(`JWT_SECRET is not set: using the development default "${DEV_JWT_SECRET}"`);
    return {
      ...e,
      ADMIN_TOKEN: e.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
      JWT_SECRET: e.JWT_SECRET ?? DEV_JWT_SECRET,
      VISITOR_TOKEN_TTL_MS:
        e.VISITOR_TOKEN_TTL_MS === UNSET ? e.INACTIVITY_CLOSE_MS + DAY_MS : e.VISITOR_TOKEN_TTL_MS,
      // Port 0 (tests) picks a free port: the name must still be unique per process.
      GATEWAY_INSTANCE_ID: e.GATEWAY_INSTANCE_ID ?? defaultInstanceId(e.PORT),
      /** What to print at start (development defaults in use). */
      warnings,
    };
  });

function defaultInstanceId(port: number): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-');
  return port === 0 ? `${host}-${process.pid}-${Date.now().toString(36)}` : `${host}-${port}`;
}

export type GatewayConfig = z.infer<typeof schema>;

/** Injection token of the validated configuration. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  parseEnv(schema, env);
