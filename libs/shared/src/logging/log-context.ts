import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every log line of one piece of work carries: the correlation id of the request that started
 * the chain (the gateway's request id, then each request's and event's `correlationId`), what caused
 * this step (the request or event id) and which service logs it.
 */
export interface LogContext {
  correlationId?: string;
  causationId?: string;
  service?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` added to the current one (later fields win); promises it starts keep it. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  const parent = storage.getStore();
  return storage.run(parent ? { ...parent, ...context } : context, fn);
}

/**
 * Runs `fn` with `context` alone, whatever was current: for loops that outlive the work that started
 * them (a consumer's batches), which must not inherit an unrelated request's correlation id.
 */
export function withFreshLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** The correlation id of the work in progress, if any (the gateway passes it on with each request). */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/**
 * The correlation fields of an incoming request or event value, if it has them: requests carry
 * `requestId` + `correlationId`, events `eventId` + `correlationId` (contracts/envelope.ts).
 */
export function contextOfMessage(value: unknown): LogContext {
  if (!value || typeof value !== 'object') return {};
  const v = value as { correlationId?: unknown; eventId?: unknown; requestId?: unknown };
  const context: LogContext = {};
  if (typeof v.correlationId === 'string') context.correlationId = v.correlationId;
  const cause = typeof v.eventId === 'string' ? v.eventId : v.requestId;
  if (typeof cause === 'string') context.causationId = cause;
  return context;
}
