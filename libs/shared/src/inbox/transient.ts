/**
 * Failures of the infrastructure, not of the message: retried without limit, since the message
 * will succeed once PostgreSQL or Kafka is back. Everything else counts toward dead-lettering.
 */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string; retriable?: boolean; name?: string };
  if (typeof e?.code === 'string') {
    if (/^08/.test(e.code)) return true; // connection exceptions
    if (['57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03'].includes(e.code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(e.code)) return true;
  }
  if (e?.name?.startsWith('KafkaJS') && e.retriable !== false) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e?.message ?? '',
  );
}
