import { ConfigError } from '@pupitre/shared';
import { DEV_ADMIN_TOKEN, DEV_JWT_SECRET, loadGatewayConfig } from './env.validation';

describe(loadGatewayConfig.name, () => {
  it('uses defaults in development and says so', () => {
    const sut = loadGatewayConfig({ NODE_ENV: 'development' });
    expect(sut).toMatchObject({
      PORT: 3000,
      REQUEST_TIMEOUT_MS: 5000,
      RATE_LIMIT_VISITORS_PER_MINUTE: 600,
      ADMIN_TOKEN: DEV_ADMIN_TOKEN,
      JWT_SECRET: DEV_JWT_SECRET,
      AGENT_TOKEN_TTL_MS: 36_000_000,
      VISITOR_TOKEN_TTL_MS: 691_200_000,
    });
    expect(sut.GATEWAY_INSTANCE_ID).toMatch(/-3000$/);
    expect(sut.warnings).toHaveLength(2);
  });

  it('takes the values given', () => {
    const sut = loadGatewayConfig({
      NODE_ENV: 'test',
      PORT: '8080',
      ADMIN_TOKEN: 'a',
      JWT_SECRET: 'b',
      GATEWAY_INSTANCE_ID: 'gw-1',
      AGENT_TOKEN_TTL_MS: '28800000',
    });
    expect(sut).toMatchObject({
      PORT: 8080,
      ADMIN_TOKEN: 'a',
      JWT_SECRET: 'b',
      AGENT_TOKEN_TTL_MS: 28_800_000,
      GATEWAY_INSTANCE_ID: 'gw-1',
      warnings: [],
    });
  });

  it.each([{}, { NODE_ENV: '' }])('without NODE_ENV (%p), ADMIN_TOKEN and JWT_SECRET are required', (env) => {
    expect(() => loadGatewayConfig(env)).toThrow(/ADMIN_TOKEN: required[\s\S]*JWT_SECRET: required/);
    expect(() => loadGatewayConfig({ ...env, ADMIN_TOKEN: 'short', JWT_SECRET: 'b'.repeat(32) })).toThrow(
      /ADMIN_TOKEN: must be at least 16/,
    );
  });

  it('in test, the development defaults are used', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'test' }).ADMIN_TOKEN).toBe(DEV_ADMIN_TOKEN);
  });

  it('a visitor token lasts INACTIVITY_CLOSE_MS + 1 day unless set', () => {
    expect(
      loadGatewayConfig({ NODE_ENV: 'test', INACTIVITY_CLOSE_MS: '2592000000' }).VISITOR_TOKEN_TTL_MS,
    ).toBe(2_592_000_000 + 86_400_000);
  });

  it('a visitor token must outlive R11 after its last use', () => {
    expect(() =>
      loadGatewayConfig({
        NODE_ENV: 'test',
        INACTIVITY_CLOSE_MS: '604800000',
        VISITOR_TOKEN_TTL_MS: '604800000',
      }),
    ).toThrow(/VISITOR_TOKEN_TTL_MS/);
  });

  it('TRUST_PROXY becomes the trust function Express and the sockets share', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'test' }).TRUST_PROXY('127.0.0.1', 0)).toBe(false);
    const sut = loadGatewayConfig({ NODE_ENV: 'test', TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    expect([sut.TRUST_PROXY('127.0.0.1', 0), sut.TRUST_PROXY('10.9.9.9', 1)]).toEqual([true, true]);
    expect(sut.TRUST_PROXY('203.0.113.1', 0)).toBe(false);
  });

  it('in production, ADMIN_TOKEN and JWT_SECRET are required', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(
      /ADMIN_TOKEN: required[\s\S]*JWT_SECRET: required/,
    );
    const ok = loadGatewayConfig({
      NODE_ENV: 'production',
      ADMIN_TOKEN: 'a'.repeat(32),
      JWT_SECRET: 'b'.repeat(32),
    });
    expect(ok.warnings).toEqual([]);
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['REQUEST_TIMEOUT_MS', '-5'],
    ['RATE_LIMIT_VISITORS_PER_MINUTE', '0'],
    ['GATEWAY_INSTANCE_ID', 'has space'],
    ['AGENT_TOKEN_TTL_MS', '10'],
    ['VISITOR_TOKEN_TTL_MS', 'soon'],
    ['TRUST_PROXY', 'proxy.example.com'],
    ['TRUST_PROXY', '10.0.0.0/40'],
    ['RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND', '0'],
    ['SOCKET_MAX_PAYLOAD_BYTES', '10'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'test', [name]: value })).toThrow(new RegExp(name));
  });

  it('takes a SCHED_FIFO priority from 1 to 99 for the door thread, off by default, and says it needs the thread', () => {
    const base = { NODE_ENV: 'test', ADMIN_TOKEN: 'a', JWT_SECRET: 'b' };
    expect(loadGatewayConfig(base).HTTP_DOOR_THREAD_FIFO).toBe(0);
    expect(
      loadGatewayConfig({ ...base, HTTP_DOOR_THREAD: 'true', HTTP_DOOR_THREAD_FIFO: '1' }),
    ).toMatchObject({
      HTTP_DOOR_THREAD_FIFO: 1,
      warnings: [],
    });
    expect(() => loadGatewayConfig({ ...base, HTTP_DOOR_THREAD_FIFO: '100' })).toThrow(
      'HTTP_DOOR_THREAD_FIFO: must be between 0 and 99, got 100',
    );
    expect(loadGatewayConfig({ ...base, HTTP_DOOR_THREAD_FIFO: '1' }).warnings).toEqual([
      'HTTP_DOOR_THREAD_FIFO has no effect without HTTP_DOOR_THREAD',
    ]);
  });

  it("takes the probes' own port, off by default, 0 for any free one, and says their nice value needs it", () => {
    const base = { NODE_ENV: 'test', ADMIN_TOKEN: 'a', JWT_SECRET: 'b' };
    expect(loadGatewayConfig(base)).toMatchObject({ HEALTH_PORT: -1, HEALTH_THREAD_NICE: -20, warnings: [] });
    expect(loadGatewayConfig({ ...base, HEALTH_PORT: '0' })).toMatchObject({ HEALTH_PORT: 0, warnings: [] });
    expect(loadGatewayConfig({ ...base, HEALTH_PORT: '3090', HEALTH_THREAD_NICE: '0' })).toMatchObject({
      HEALTH_PORT: 3090,
      HEALTH_THREAD_NICE: 0,
      warnings: [],
    });
    expect(() => loadGatewayConfig({ ...base, HEALTH_PORT: '70000' })).toThrow(/HEALTH_PORT/);
    expect(() => loadGatewayConfig({ ...base, PORT: '3000', HEALTH_PORT: '3000' })).toThrow(
      /HEALTH_PORT: must differ from PORT \(3000\)/,
    );
    expect(loadGatewayConfig({ ...base, HEALTH_THREAD_NICE: '0' }).warnings).toEqual([
      'HEALTH_THREAD_NICE has no effect without HEALTH_PORT',
    ]);
  });

  it('takes a nice value from -20 to 0 for the main thread while refusing, and says it does nothing behind the door thread', () => {
    const base = { NODE_ENV: 'test', ADMIN_TOKEN: 'a', JWT_SECRET: 'b' };
    expect(loadGatewayConfig(base).GATEWAY_REFUSING_NICE).toBe(0);
    expect(loadGatewayConfig({ ...base, GATEWAY_REFUSING_NICE: '-20' })).toMatchObject({
      GATEWAY_REFUSING_NICE: -20,
      warnings: [],
    });
    expect(() => loadGatewayConfig({ ...base, GATEWAY_REFUSING_NICE: '5' })).toThrow(
      'GATEWAY_REFUSING_NICE: must be between -20 and 0, got 5',
    );
    expect(
      loadGatewayConfig({ ...base, GATEWAY_REFUSING_NICE: '-10', HTTP_DOOR_THREAD: 'true' }).warnings,
    ).toEqual([
      'GATEWAY_REFUSING_NICE has no effect with HTTP_DOOR_THREAD: the door thread refuses, at HTTP_DOOR_THREAD_NICE',
    ]);
  });
});
