import type { ErrorCode } from './types';

/** A contract code, or `NETWORK_ERROR` when no answer came (offline, timeout, connection refused). */
export type SdkErrorCode = ErrorCode | 'NETWORK_ERROR';

const CODES: readonly SdkErrorCode[] = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'VISITOR_BLOCKED',
  'NOT_FOUND',
  'CONFLICT',
  'FEATURE_UNAVAILABLE_ON_CHANNEL',
  'MOBILE_CAPACITY_FIXED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
  'NETWORK_ERROR',
];

export function isSdkErrorCode(value: unknown): value is SdkErrorCode {
  return typeof value === 'string' && (CODES as readonly string[]).includes(value);
}

/** Every failure the SDK reports: the server's `{error: {code, message}}`, or a network failure. */
export class PupitreError extends Error {
  override readonly name = 'PupitreError';

  constructor(
    readonly code: SdkErrorCode,
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
    /** From `Retry-After` (503, 429), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth sending again, unchanged: no answer, 408, 429 or a 5xx. Any other 4xx will not change. */
  get retryable(): boolean {
    if (this.status === undefined) return this.code === 'NETWORK_ERROR';
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }

  toJSON(): { code: SdkErrorCode; message: string; status?: number } {
    return { code: this.code, message: this.message, status: this.status };
  }
}

/** The code a status means when the body does not say (a proxy's page, an empty body). */
export function codeForStatus(status: number): SdkErrorCode {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 422:
      return 'FEATURE_UNAVAILABLE_ON_CHANNEL';
    case 429:
      return 'RATE_LIMITED';
    case 502:
    case 503:
    case 504:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED';
  }
}
