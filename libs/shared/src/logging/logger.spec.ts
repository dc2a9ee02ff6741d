import pino from 'pino';
import { currentLogContext, withFreshLogContext, withLogContext } from './log-context';
import { PinoLoggerService, prettyLine } from './logger';

/** A PinoLoggerService writing into an array, with the same mixin as the process's logger. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    {
      level: 'info',
      mixin: () => ({}),
    },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { lines, sut: new PinoLoggerService(logger) };
}

describe(PinoLoggerService.name, () => {
  it("writes Nest's log(message, context) as one object with context and msg", () => {
    const { lines, sut } = capture();
    sut.log('consuming', 'routing');
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'consuming', context: 'routing' })]);
  });

  it('error(message, stack, context) keeps the stack', () => {
    const { lines, sut } = capture();
    sut.error('boom', 'Error: boom\n    at x', 'Messaging');
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'boom',
      stack: 'Error: boom\n    at x',
      context: 'Messaging',
    });
  });

  it("setLogLevels follows Nest's lowest level: ['warn', 'error'] hides info, ['debug', …] shows debug", () => {
    const { lines, sut } = capture();
    sut.setLogLevels(['warn', 'error']);
    sut.log('hidden');
    sut.warn('shown');
    sut.setLogLevels(['debug', 'log', 'warn', 'error']);
    sut.debug('also shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown', 'also shown']);
  });
});

describe('log context', () => {
  it('nests: inner fields win, outer ones stay; a fresh context drops what surrounds it', () => {
    const seen: unknown[] = [];
    withLogContext({ service: 'routing', correlationId: 'a' }, () => {
      withLogContext({ correlationId: 'b', causationId: 'e1' }, () => seen.push(currentLogContext()));
      withFreshLogContext({ service: 'routing' }, () => seen.push(currentLogContext()));
    });
    expect(seen).toEqual([
      { service: 'routing', correlationId: 'b', causationId: 'e1' },
      { service: 'routing' },
    ]);
  });
});

describe(prettyLine.name, () => {
  it('one readable line: time, level, context, message, short correlation id, the other fields', () => {
    const json = JSON.stringify({
      level: 'info',
      time: '2026-11-30T08:00:01.234Z',
      pid: 1,
      service: 'gateway',
      context: 'http',
      msg: 'POST /v1/visitors 201 12 ms',
      correlationId: '0123456789abcdef',
      status: 201,
    });
    expect(prettyLine(json)).toBe(
      '08:00:01.234 INFO  [http] POST /v1/visitors 201 12 ms (01234567) {"status":201}\n',
    );
  });
});
