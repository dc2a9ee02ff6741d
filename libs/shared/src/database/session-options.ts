import type { DatabaseEnv } from '../config';

/** The timeouts, keepalives and relay lease of DatabaseEnv; each defaults to the environment's default. */
export type DatabaseTimeouts = Partial<Omit<DatabaseEnv, 'DATABASE_URL'>>;

/** The defaults DatabaseEnv documents (README, Configuration). */
export const DEFAULT_DATABASE_TIMEOUTS: Required<DatabaseTimeouts> = {
  DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
  DATABASE_LOCK_TIMEOUT_MS: 10_000,
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 10_000,
  DATABASE_CONNECT_TIMEOUT_MS: 10_000,
  DATABASE_KEEPALIVE_MS: 10_000,
  DATABASE_POOL_IDLE_TIMEOUT_MS: 300_000,
  OUTBOX_RELAY_LEASE_MS: 5000,
};

export interface SessionOptions {
  statement_timeout?: number;
  lock_timeout?: number;
  idle_in_transaction_session_timeout?: number;
  connectionTimeoutMillis: number;
  keepAlive: true;
  keepAliveInitialDelayMillis: number;
  /**
   * `pupitre-<schema>`, so that pg_stat_activity (and a log_line_prefix with %a) tells which service
   * holds a session; an application_name in DATABASE_URL takes precedence.
   */
  application_name: string;
  /** Server settings for the session: search_path, the server's own TCP keepalives, and `extra`. */
  options: string;
}

/**
 * The name a service's sessions carry (`application_name`): `pupitre-<schema>`, and
 * `pupitre-<schema>-<role>` for a session with a role of its own (the outbox relay's).
 */
export function sessionName(schema: string, role?: string): string {
  return role ? `pupitre-${schema}-${role}` : `pupitre-${schema}`;
}

/**
 * node-postgres settings for every session a service opens (its pool, its relay): a session that hangs
 * is ended by the server, and a peer that vanished is noticed by TCP keepalives from both ends.
 */
export function sessionOptions(
  schema: string,
  timeouts: DatabaseTimeouts = {},
  extra: Record<string, string | number> = {},
): SessionOptions {
  const t = { ...DEFAULT_DATABASE_TIMEOUTS, ...timeouts };
  const idleSeconds = Math.max(1, Math.round(t.DATABASE_KEEPALIVE_MS / 1000));
  const settings: Record<string, string | number> = {
    search_path: schema,
    tcp_keepalives_idle: idleSeconds,
    tcp_keepalives_interval: Math.max(1, Math.round(idleSeconds / 3)),
    tcp_keepalives_count: 3,
    ...extra,
  };
  const positive = (ms: number) => (ms > 0 ? ms : undefined);
  return {
    statement_timeout: positive(t.DATABASE_STATEMENT_TIMEOUT_MS),
    lock_timeout: positive(t.DATABASE_LOCK_TIMEOUT_MS),
    idle_in_transaction_session_timeout: positive(t.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS),
    connectionTimeoutMillis: t.DATABASE_CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.DATABASE_KEEPALIVE_MS,
    application_name: sessionName(schema),
    options: Object.entries(settings)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' '),
  };
}
