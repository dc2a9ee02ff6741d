import { HttpException } from '@nestjs/common';
import { DomainError, ErrorBody, ErrorCode } from '@pupitre/shared';
import { hasRetryAfter, retryAfterSecondsOf } from './unavailable';

/** CONTRACT.md Conventions: the one place a code becomes an HTTP status. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
    case 'VISITOR_BLOCKED':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'FEATURE_UNAVAILABLE_ON_CHANNEL':
    case 'MOBILE_CAPACITY_FIXED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
    default:
      return unreachable(code);
  }
}

function unreachable(code: never): never {
  throw new Error(`unmapped error code ${String(code)}`);
}

/** An error of body-parser (http-errors shape): `type` names what went wrong. */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  const e = err as Partial<BodyParserError> | null;
  return typeof e?.type === 'string' && typeof e.status === 'number';
}

/** What the client is told; `internal` marks the failures worth a log line with the stack. */
export interface MappedError {
  status: number;
  body: { error: ErrorBody };
  internal: boolean;
  /** Set on every 503 UNAVAILABLE and 429 RATE_LIMITED: the `Retry-After` header, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * Any thrown thing → the contract's error. Bad input never becomes a 500: parse and size errors of
 * the body are the client's, and Nest's own 4xx (an unknown route) keep their meaning.
 */
export function toErrorBody(err: unknown): { body: ErrorBody; internal: boolean } {
  if (err instanceof DomainError) return { body: err.toBody(), internal: err.code === 'INTERNAL' };
  if (isBodyParserError(err)) {
    if (err.type === 'entity.too.large' || err.type === 'parameters.too.many') {
      return {
        body: { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' },
        internal: false,
      };
    }
    if (err.type === 'entity.parse.failed') {
      return {
        body: { code: 'VALIDATION_FAILED', message: 'the request body is not valid JSON' },
        internal: false,
      };
    }
    if (err.status < 500) {
      return {
        body: { code: 'VALIDATION_FAILED', message: `the request body cannot be read (${err.type})` },
        internal: false,
      };
    }
  }
  if (err instanceof HttpException) {
    const code = codeForHttpStatus(err.getStatus());
    if (code) return { body: { code, message: httpMessage(err) }, internal: false };
  }
  return { body: { code: 'INTERNAL', message: 'internal error' }, internal: true };
}

export function toHttpError(err: unknown): MappedError {
  const { body, internal } = toErrorBody(err);
  const mapped: MappedError = { status: httpStatusFor(body.code), body: { error: body }, internal };
  if (hasRetryAfter(body.code)) mapped.retryAfterSeconds = retryAfterSecondsOf(err);
  return mapped;
}

/** For Nest's own exceptions (an unknown route is a NotFoundException). */
function codeForHttpStatus(status: number): ErrorCode | null {
  if (status === 400) return 'VALIDATION_FAILED';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 405) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'UNAVAILABLE';
  if (status >= 400 && status < 500) return 'VALIDATION_FAILED';
  return null;
}

function httpMessage(err: HttpException): string {
  const response = err.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return err.message;
}
