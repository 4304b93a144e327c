import { ConfigError, loadEnv, requireTenantSource, serviceEnvShape } from './env.js';

describe('loadEnv', () => {
  const shape = serviceEnvShape({ port: 8080, instanceName: 'tekton' });

  it('applies defaults', () => {
    const sut = loadEnv(shape, { TENANTS_FILE: 't.json' });
    expect(sut.PORT).toBe(8080);
    expect(sut.SERVICE_INSTANCE_NAME).toBe('tekton');
    expect(sut.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(sut.REPLICA_ID).toMatch(/^[0-9a-f]{12}$/);
  });

  it('names the variable when a value is bad', () => {
    expect(() => loadEnv(shape, { DATABASE_URL: 'not-a-url' })).toThrow(/DATABASE_URL: must be a URL/);
    expect(() => loadEnv(shape, { PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadEnv(shape, { SERVICE_INSTANCE_NAME: 'ecr.eu' })).toThrow(/SERVICE_INSTANCE_NAME/);
    expect(() => loadEnv(shape, { NATS_URL: 'http://x' })).toThrow(/NATS_URL/);
  });

  it('reports every bad variable at once', () => {
    try {
      loadEnv(shape, { DATABASE_URL: 'x', LOG_LEVEL: 'loud' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL']);
    }
  });

  it('requires exactly one tenant source', () => {
    expect(() => loadEnv(shape, {}, requireTenantSource)).toThrow(/TENANTS_FILE/);
    expect(() => loadEnv(shape, { TENANTS_FILE: 'a', TENANT_MANAGER_URL: 'http://tm' }, requireTenantSource)).toThrow(/only one/);
    expect(loadEnv(shape, { TENANT_MANAGER_URL: 'http://tm:1/x' }, requireTenantSource).TENANT_MANAGER_URL).toBe('http://tm:1/x');
  });

  it('reads the auth and rate-limit settings with their defaults', () => {
    const sut = loadEnv(shape, { TENANTS_FILE: 't.json' });
    expect([sut.JWT_AUDIENCE, sut.JWT_CLOCK_SKEW_SECONDS, sut.RATE_LIMIT_PER_TENANT, sut.RATE_LIMIT_WINDOW_SECONDS]).toEqual([undefined, 30, 600, 10]);
    expect(() => loadEnv(shape, { JWT_CLOCK_SKEW_SECONDS: '-1' })).toThrow(/JWT_CLOCK_SKEW_SECONDS/);
    expect(() => loadEnv(shape, { RATE_LIMIT_WINDOW_SECONDS: '0' })).toThrow(/RATE_LIMIT_WINDOW_SECONDS/);
  });

  it('takes one complete way to authenticate to NATS', () => {
    expect(loadEnv(shape, { NATS_USER: 'ecr', NATS_PASSWORD: 'p' }).NATS_USER).toBe('ecr');
    expect(() => loadEnv(shape, { NATS_USER: 'ecr' })).toThrow(/NATS_PASSWORD: NATS_USER and NATS_PASSWORD go together/);
    expect(() => loadEnv(shape, { NATS_USER: 'ecr', NATS_PASSWORD: 'p', NATS_TOKEN: 't' })).toThrow(/NATS_TOKEN: set only one way/);
    expect(() => loadEnv(shape, { NATS_NKEY_SEED: 'SUxyz' })).toThrow(/NATS_NKEY_SEED: must be an NKey user seed/);
    expect(() => loadEnv(shape, { NATS_TLS_CERT_FILE: 'c.pem' })).toThrow(/NATS_TLS_KEY_FILE/);
  });
});
