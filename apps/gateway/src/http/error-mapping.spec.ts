import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError, ERROR_CODES, ErrorCode } from '@pupitre/shared';
import { httpStatusFor, toHttpError } from './error-mapping';
import { ackOf } from './socket-errors';
import { DEFAULT_RETRY_AFTER_SECONDS, RateLimited, Unavailable } from './unavailable';

describe(httpStatusFor.name, () => {
  const contract: Record<ErrorCode, number> = {
    VALIDATION_FAILED: 400,
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
    VISITOR_BLOCKED: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    FEATURE_UNAVAILABLE_ON_CHANNEL: 422,
    MOBILE_CAPACITY_FIXED: 422,
    PAYLOAD_TOO_LARGE: 413,
    RATE_LIMITED: 429,
    UNAVAILABLE: 503,
    INTERNAL: 500,
  };

  it('covers every error code', () => {
    expect(Object.keys(contract).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each(Object.entries(contract) as [ErrorCode, number][])('%s → %i', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });
});

describe(toHttpError.name, () => {
  it.each([...ERROR_CODES])('a DomainError %s keeps its code and message', (code) => {
    const sut = toHttpError(new DomainError(code, 'why'));
    expect(sut.status).toBe(httpStatusFor(code));
    expect(sut.body).toEqual({ error: { code, message: 'why' } });
  });

  it('broken JSON from the body parser is VALIDATION_FAILED 400', () => {
    const err = Object.assign(new SyntaxError('Unexpected token'), {
      type: 'entity.parse.failed',
      status: 400,
    });
    expect(toHttpError(err)).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED' } },
      internal: false,
    });
  });

  it('a body over the limit is PAYLOAD_TOO_LARGE 413', () => {
    const err = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      status: 413,
    });
    expect(toHttpError(err)).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('an unsupported charset is bad input, not a server error', () => {
    const err = Object.assign(new Error('unsupported charset'), { type: 'charset.unsupported', status: 415 });
    expect(toHttpError(err)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
  });

  it("Nest's NotFoundException for an unknown route is NOT_FOUND 404 in the error shape", () => {
    const sut = toHttpError(new NotFoundException('Cannot GET /nope'));
    expect(sut).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /nope' } },
      internal: false,
    });
  });

  it('another Nest 4xx keeps its meaning', () => {
    expect(toHttpError(new BadRequestException('bad')).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('anything else is INTERNAL 500, flagged for the log, with no detail leaked', () => {
    const sut = toHttpError(new TypeError('secret detail'));
    expect(sut).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
      internal: true,
    });
  });
});

describe('Retry-After on UNAVAILABLE', () => {
  it('every 503 carries one: the error’s own estimate, else the default', () => {
    expect(toHttpError(new Unavailable('busy', 7)).retryAfterSeconds).toBe(7);
    expect(toHttpError(new DomainError('UNAVAILABLE', 'starting')).retryAfterSeconds).toBe(
      DEFAULT_RETRY_AFTER_SECONDS,
    );
  });

  it('every 429 carries one: when the limit lets the next one through, in whole seconds', () => {
    expect(toHttpError(new RateLimited('slow down', 1500)).retryAfterSeconds).toBe(2);
    expect(toHttpError(new RateLimited('slow down', 1)).retryAfterSeconds).toBe(1);
    expect(toHttpError(new DomainError('RATE_LIMITED', 'x')).retryAfterSeconds).toBe(
      DEFAULT_RETRY_AFTER_SECONDS,
    );
  });

  it('a refused socket command says when to try again too', async () => {
    const ack = await ackOf('agent.status', () => Promise.reject(new RateLimited('slow down', 2500)));
    expect(ack).toEqual({
      ok: false,
      error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterSeconds: 3 },
    });
  });

  it('no other status carries one', () => {
    expect(toHttpError(new DomainError('NOT_FOUND', 'x')).retryAfterSeconds).toBeUndefined();
  });

  it('a socket ack carries the same code, with retryAfterSeconds', async () => {
    const ack = await ackOf('message.send', () => Promise.reject(new Unavailable('busy', 3)));
    expect(ack).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'busy', retryAfterSeconds: 3 } });
  });
});
