import { ConfigError, kafkaEnvSchema, kafkaTimingProblems, parseEnv } from './env';

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
