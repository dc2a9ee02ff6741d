import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { z } from 'zod';
import { parseEnv } from '../config/env';
import { currentLogContext } from './log-context';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type PinoLevel = (typeof LOG_LEVELS)[number];

export const loggingEnvSchema = z.object({
  /** The lowest level written (pino's names). */
  LOG_LEVEL: z.preprocess((v) => (v === '' ? undefined : v), z.enum(LOG_LEVELS).default('info')),
  /** `json` (one object a line, for collectors) or `pretty` (one readable line, for a terminal). */
  LOG_FORMAT: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['json', 'pretty']).default('json')),
});
export type LoggingEnv = z.infer<typeof loggingEnvSchema>;

let root: Pino | null = null;
let defaultService = 'pupitre';

/**
 * The process's one pino logger. Lines go to process.stdout through its current `write` (looked up
 * at each line, so the tests' quiet environment still buffers them), and carry the log context of
 * the work in progress (log-context.ts): correlation id, causation id, service.
 */
export function rootLogger(): Pino {
  if (root) return root;
  const env = parseEnv(loggingEnvSchema);
  const pretty = env.LOG_FORMAT === 'pretty';
  root = pino(
    {
      level: env.LOG_LEVEL,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const c = currentLogContext();
        return {
          service: c?.service ?? defaultService,
          ...(c?.correlationId ? { correlationId: c.correlationId } : {}),
          ...(c?.causationId ? { causationId: c.causationId } : {}),
        };
      },
    },
    { write: (line: string) => process.stdout.write(pretty ? prettyLine(line) : line) },
  );
  return root;
}

/** Names the service of lines logged outside any work (start-up, timers); set once a service boots. */
export function setDefaultLogService(service: string): void {
  defaultService = service;
}

/** Nest's levels, lowest first, and pino's name for each. */
const NEST_TO_PINO: [LogLevel, PinoLevel][] = [
  ['verbose', 'trace'],
  ['debug', 'debug'],
  ['log', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
  ['fatal', 'fatal'],
];

/**
 * Nest's LoggerService on pino: `new Logger(Context).log(…)` anywhere becomes one JSON line with
 * `context`, the correlation fields and, for errors, the stack. Nest's `setLogLevels` (e.g. the e2e
 * tests' `Logger.overrideLogger(['warn', 'error'])`) sets the lowest level written.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Pino = rootLogger()) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    // Nest calls error(message, stack?, context?): the context is last, a stack before it.
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? params.at(-1) : undefined;
    const rest = context === undefined ? params : params.slice(0, -1);
    const stack = typeof rest[0] === 'string' ? rest[0] : undefined;
    this.emit('error', message, { context, stack });
  }

  setLogLevels(levels: LogLevel[]): void {
    const lowest = NEST_TO_PINO.find(([nest]) => levels.includes(nest));
    this.logger.level = lowest ? lowest[1] : 'silent';
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? params.at(-1) : undefined;
    this.emit(level, message, { context });
  }

  private emit(level: PinoLevel, message: unknown, fields: { context?: unknown; stack?: string }): void {
    const extra: Record<string, unknown> = {};
    if (fields.context !== undefined) extra.context = fields.context;
    if (message instanceof Error) {
      this.logger[level]({ ...extra, err: message }, message.message);
    } else if (message && typeof message === 'object') {
      this.logger[level]({ ...extra, ...(message as object) });
    } else {
      if (fields.stack) extra.stack = fields.stack;
      this.logger[level](extra, String(message));
    }
  }
}

const LEVEL_COLUMNS: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
  fatal: 'FATAL',
};
const SHOWN = new Set(['time', 'level', 'msg', 'pid', 'service', 'context', 'correlationId', 'stack']);

/** One readable line from a JSON one (LOG_FORMAT=pretty): time, level, context, message, the rest. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
  const level = LEVEL_COLUMNS[String(o.level)] ?? String(o.level);
  const context = o.context ? `[${String(o.context)}] ` : '';
  const correlation = o.correlationId ? ` (${String(o.correlationId).slice(0, 8)})` : '';
  const rest = Object.entries(o).filter(([k]) => !SHOWN.has(k));
  const extra = rest.length > 0 ? ` ${JSON.stringify(Object.fromEntries(rest))}` : '';
  const stack = typeof o.stack === 'string' ? `\n${o.stack}` : '';
  return `${time} ${level} ${context}${String(o.msg ?? '')}${correlation}${extra}${stack}\n`;
}
