import { z } from 'zod';
import { envInt, parseEnv } from '../config/env';

/** Where each back-end service serves /health and /metrics unless OPS_PORT says otherwise. */
export const DEFAULT_OPS_PORTS: Record<string, number> = { routing: 3101, conversation: 3102, billing: 3103 };

export const opsEnvSchema = z.object({
  /** Back-end services: the port of their small HTTP server (/health/live, /health/ready, /metrics); 0 = any free port. */
  OPS_PORT: envInt(-1, 0, 65535),
  /** /health/live turns 503 when the consumer loop shows no progress for this long (a stuck handler). */
  LIVENESS_MAX_STALL_MS: envInt(60_000, 1000, 3_600_000),
  /** /health/ready's checks of the database and the broker are reused for this long. */
  READINESS_CACHE_MS: envInt(1000, 0, 60_000),
  /** A readiness check that has not answered within this long counts as failed (it goes on behind). */
  READINESS_TIMEOUT_MS: envInt(2000, 100, 60_000),
  /** A trace line (pipeline-trace.ts) every this many milliseconds; 0: no trace. */
  PIPELINE_TRACE_MS: envInt(0, 0, 60_000),
});
export type OpsEnv = z.infer<typeof opsEnvSchema> & { OPS_PORT: number; OPS_PORT_SET: boolean };

/** The ops settings of `service`, OPS_PORT defaulting to its entry in DEFAULT_OPS_PORTS. */
export function loadOpsEnv(service: string, env: NodeJS.ProcessEnv = process.env): OpsEnv {
  const parsed = parseEnv(opsEnvSchema, env);
  const set = parsed.OPS_PORT >= 0;
  return {
    ...parsed,
    OPS_PORT: set ? parsed.OPS_PORT : (DEFAULT_OPS_PORTS[service] ?? 0),
    OPS_PORT_SET: set,
  };
}
