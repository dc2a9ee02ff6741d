import { isTransient } from './transient';

const withCode = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe(isTransient.name, () => {
  describe('PostgreSQL failures of the server, not of the message: retried without limit', () => {
    it.each([
      ['08000', 'connection exception'],
      ['08003', 'connection does not exist'],
      ['08006', 'connection failure'],
      ['08001', 'unable to connect'],
      ['08004', 'connection rejected'],
      ['25006', 'read-only transaction (a replica during a failover)'],
      ['40001', 'serialization failure'],
      ['40P01', 'deadlock detected'],
      ['53000', 'insufficient resources'],
      ['53100', 'disk full'],
      ['53200', 'out of memory'],
      ['53300', 'too many connections'],
      ['55P03', 'lock not available'],
      ['57014', 'query canceled (statement timeout)'],
      ['57P01', 'admin shutdown'],
      ['57P02', 'crash shutdown'],
      ['57P03', 'cannot connect now'],
      ['58000', 'system error'],
      ['58030', 'I/O error'],
    ])('%s (%s)', (code) => {
      expect(isTransient(withCode(code))).toBe(true);
    });
  });

  describe('network failures: retried without limit', () => {
    it.each([
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
    ])('%s', (code) => {
      expect(isTransient(withCode(code))).toBe(true);
    });

    it('a network failure wrapped as the cause of another error', () => {
      expect(isTransient(new Error('query failed', { cause: withCode('EHOSTUNREACH') }))).toBe(true);
    });

    it("pg's own words when the connection drops", () => {
      expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
      expect(isTransient(new Error('timeout exceeded when trying to connect'))).toBe(true);
    });
  });

  describe('failures of the message: counted toward dead-lettering', () => {
    it.each([
      ['23505', 'unique violation'],
      ['23503', 'foreign key violation'],
      ['22P02', 'invalid text representation'],
      ['42P01', 'undefined table'],
      ['42703', 'undefined column'],
    ])('%s (%s)', (code) => {
      expect(isTransient(withCode(code))).toBe(false);
    });

    it('a plain error', () => {
      expect(isTransient(new Error('cannot apply'))).toBe(false);
      expect(isTransient(undefined)).toBe(false);
    });

    it('a kafkajs error that says it is not retriable', () => {
      const err = Object.assign(new Error('message too large'), {
        name: 'KafkaJSProtocolError',
        retriable: false,
      });
      expect(isTransient(err)).toBe(false);
    });
  });
});
