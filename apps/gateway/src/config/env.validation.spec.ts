import { ConfigError } from '@pupitre/shared';
import { DEV_ADMIN_TOKEN, DEV_JWT_SECRET, loadGatewayConfig } from './env.validation';

describe(loadGatewayConfig.name, () => {
  it('uses defaults in development and says so', () => {
    const sut = loadGatewayConfig({});
    expect(sut).toMatchObject({
      PORT: 3000,
      REQUEST_TIMEOUT_MS: 5000,
      RATE_LIMIT_VISITORS_PER_MINUTE: 600,
      ADMIN_TOKEN: DEV_ADMIN_TOKEN,
      JWT_SECRET: DEV_JWT_SECRET,
    });
    expect(sut.GATEWAY_INSTANCE_ID).toMatch(/-3000$/);
    expect(sut.warnings).toHaveLength(2);
  });

  it('takes the values given', () => {
    const sut = loadGatewayConfig({
      PORT: '8080',
      ADMIN_TOKEN: 'a',
      JWT_SECRET: 'b',
      GATEWAY_INSTANCE_ID: 'gw-1',
    });
    expect(sut).toMatchObject({
      PORT: 8080,
      ADMIN_TOKEN: 'a',
      JWT_SECRET: 'b',
      GATEWAY_INSTANCE_ID: 'gw-1',
      warnings: [],
    });
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
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
