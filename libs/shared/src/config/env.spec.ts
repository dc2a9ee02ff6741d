import { z } from 'zod';
import { ConfigError, envInt, kafkaEnvSchema, kafkaTimingProblems, parseEnv } from './env';

describe('envInt', () => {
  const schema = z.object({ NICE: envInt(0, -20, 19), COUNT: envInt(5, 1, 10) });
  const parse = (vars: NodeJS.ProcessEnv) => parseEnv(schema, vars);

  it('reads a negative integer where the range allows one (a nice value)', () => {
    expect(parse({ NICE: '-10' }).NICE).toBe(-10);
    expect(parse({ NICE: ' 19 ' }).NICE).toBe(19);
    expect(parse({}).NICE).toBe(0);
  });

  it('refuses what is not an integer, and what is out of range, naming the variable', () => {
    expect(() => parse({ NICE: '-1.5' })).toThrow('NICE: must be an integer, got "-1.5"');
    expect(() => parse({ NICE: '-21' })).toThrow('NICE: must be between -20 and 19, got -21');
    expect(() => parse({ COUNT: '-3' })).toThrow('COUNT: must be between 1 and 10, got -3');
  });
});

describe('kafkaEnvSchema', () => {
  const parse = (vars: NodeJS.ProcessEnv) => parseEnv(kafkaEnvSchema, vars);

  it('defaults to timings that give a dead member’s partitions back within seconds', () => {
    const env = parse({});
    expect(env.KAFKA_SESSION_TIMEOUT_MS).toBe(6000);
    expect(env.KAFKA_HEARTBEAT_INTERVAL_MS).toBe(1000);
    expect(env.KAFKA_REBALANCE_TIMEOUT_MS).toBe(15000);
    expect(env.KAFKA_RETRY_MAX_MS).toBe(1000);
    expect(kafkaTimingProblems(env)).toEqual([]);
  });

  it('names the instance after the host unless SERVICE_INSTANCE_ID says otherwise', () => {
    expect(parse({}).SERVICE_INSTANCE_ID).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(parse({ SERVICE_INSTANCE_ID: ' routing-2 ' }).SERVICE_INSTANCE_ID).toBe('routing-2');
    expect(() => parse({ SERVICE_INSTANCE_ID: 'a b' })).toThrow(ConfigError);
  });

  it('refuses a heartbeat slower than a third of the session, and a rebalance timeout below the session', () => {
    expect(
      kafkaTimingProblems(parse({ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '3000' })),
    ).toEqual(['KAFKA_HEARTBEAT_INTERVAL_MS: must be at most a third of KAFKA_SESSION_TIMEOUT_MS']);
    expect(
      kafkaTimingProblems(parse({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_REBALANCE_TIMEOUT_MS: '10000' })),
    ).toEqual(['KAFKA_REBALANCE_TIMEOUT_MS: must be at least KAFKA_SESSION_TIMEOUT_MS']);
  });
});
