import type { Logger as TypeOrmLogger } from 'typeorm';
import { rootLogger } from '../logging/logger';
import { isUniqueViolation } from '../inbox/transient';

/** The lines this logger writes, as pino takes them (a child of the service's logger in production). */
export type QueryLog = Record<'debug' | 'info' | 'warn', (fields: object, message: string) => void>;

/** A statement's text on one line, cut to a length a log line can carry. */
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 300);

/**
 * TypeORM's log (failed statements, migrations) as the service's JSON lines, in place of its console
 * logger, which printed every failed statement with its parameters: the message texts, names and
 * replies visitors and agents wrote, which logs must not hold. A failed statement is logged with its
 * text and the error's code and message. A unique violation at debug: its callers handle it (a
 * redelivered request's inbox row in a batch, RequestProcessor; a retried write), so at warn every
 * rebalance would log one per partition moved.
 */
export class QueryErrorLogger implements TypeOrmLogger {
  constructor(private readonly out: QueryLog = rootLogger().child({ context: 'TypeORM' })) {}

  /** `parameters` are never logged (see the class). */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    const message = typeof error === 'string' ? error : error.message;
    const level = isUniqueViolation(error) ? 'debug' : 'warn';
    this.out[level]({ code, query: oneLine(query) }, `statement failed: ${message}`);
  }

  logMigration(message: string): void {
    this.out.info({}, message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.out[level === 'warn' ? 'warn' : 'info']({}, String(message));
  }

  // Not asked for (the options' `logging` is errors and migrations).
  logQuery(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
}
