/** SQLSTATEs of a server that cannot work now (failover, full disk, memory, shutdown), not of the message. */
const TRANSIENT_SQLSTATES = new Set([
  '25006', // read_only_sql_transaction: a replica, or a primary being demoted, during a failover
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled: statement_timeout or lock_timeout
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '58000', // system_error
  '58030', // io_error
]);
/** SQLSTATE classes retried whole: 08 connection exceptions, 53 insufficient resources (disk, memory, connections). */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53'];
/** Node's network errors: the database or the broker is out of reach for now. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
]);
const TRANSIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

interface ErrorLike {
  code?: unknown;
  message?: string;
  retriable?: boolean;
  name?: string;
  cause?: unknown;
  driverError?: unknown;
}

/**
 * Failures of the infrastructure, not of the message: retried without limit, since the message
 * will succeed once PostgreSQL or Kafka is back. Everything else counts toward dead-lettering.
 * Looks through wrappers (`cause`, TypeORM's `driverError`) a few levels down.
 */
export function isTransient(err: unknown, depth = 0): boolean {
  const e = err as ErrorLike | null | undefined;
  if (!e || typeof e !== 'object' || depth > 4) return false;
  if (typeof e.code === 'string') {
    if (TRANSIENT_SQLSTATES.has(e.code) || TRANSIENT_NETWORK_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code) && TRANSIENT_SQLSTATE_CLASSES.includes(e.code.slice(0, 2))) return true;
  }
  if (e.name?.startsWith('KafkaJS') && e.retriable !== false) return true;
  if (TRANSIENT_MESSAGES.test(e.message ?? '')) return true;
  return isTransient(e.cause, depth + 1) || isTransient(e.driverError, depth + 1);
}

/**
 * A unique index refused a row (SQLSTATE 23505), through TypeORM's wrapper or not: in a batch applied
 * without its stored replies read first, the sign that another consumer applied one of its requests
 * meanwhile (RequestProcessor).
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as ErrorLike | null | undefined;
  return e?.code === '23505' || (e?.driverError as ErrorLike | undefined)?.code === '23505';
}
