import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Access, AuthModule, CurrentUser, type AuthUser } from '@kaa/auth';
import { ObservabilityModule } from '@kaa/observability';
import { DevIssuer, writeTempFile } from '@kaa/testing';
import { createHttpApp } from '../src/index.js';

@Controller('probe')
class ProbeController {
  @Get()
  @Access.authenticated()
  any(@CurrentUser() user: AuthUser) {
    return { tenantId: user.tenantId };
  }
}

const LIMIT = 4;

describe('HTTP app: rate limit per tenant and security headers', () => {
  let issuer: DevIssuer;
  let tenantsFile: string;
  let app: NestFastifyApplication | undefined;
  let base: string;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['demo', 'acme'] });
    tenantsFile = await writeTempFile('tenants.json', JSON.stringify(issuer.tenants()));
  });

  // A fresh app (and so fresh counters) per test.
  beforeEach(async () => {
    @Module({
      imports: [ObservabilityModule.forRoot({ service: 't', instance: 't', replicaId: 'r', level: 'silent' }), AuthModule.forRoot({ tenants: { tenantsFile } })],
      controllers: [ProbeController],
    })
    class ProbeModule {}
    app = await createHttpApp(ProbeModule, { title: 't', description: 't', bodyLimitBytes: 1 << 20, rateLimit: { perTenant: LIMIT, windowSeconds: 60 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = await app.getUrl();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    await issuer?.close();
  });

  const get = (path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers a tenant over its limit 429 with Retry-After while another tenant and /health still get through', async () => {
    const demo = await issuer.mint('demo', { scope: '' });
    // The token's first call verifies it (counted against the client's IP); from then on it counts against its tenant.
    expect((await get('/api/v1/probe', demo)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await get('/api/v1/probe', demo)).status).toBe(200);
    const refused = await get('/api/v1/probe', demo);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ statusCode: 429, message: expect.stringContaining('rate limit exceeded') });
    // Another token of the same tenant shares the tenant's budget once verified.
    const demoAgain = await issuer.mint('demo', { scope: '' });
    expect((await get('/api/v1/probe', demoAgain)).status).toBe(200);
    expect((await get('/api/v1/probe', demoAgain)).status).toBe(429);

    const acme = await issuer.mint('acme', { scope: '' });
    expect((await get('/api/v1/probe', acme)).status).toBe(200);
    expect((await get('/api/v1/probe', acme)).status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await get('/health')).status).not.toBe(429);
  });

  it('counts junk tokens naming a tenant against the sender, not the tenant', async () => {
    const victim = await issuer.mint('acme', { scope: '' });
    expect((await get('/api/v1/probe', victim)).status).toBe(200);
    const junk = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: issuer.issuerFor('demo') })).toString('base64url')}.x`;
    let status = 0;
    for (let i = 0; i < LIMIT + 1 && status !== 429; i++) status = (await get('/api/v1/probe', junk)).status;
    expect(status).toBe(429);
    // The sender's IP is out of budget (so is anything unverified from it) ...
    expect((await get('/api/v1/probe')).status).toBe(429);
    // ... while the named tenant's verified token still gets through on the tenant's own budget.
    expect((await get('/api/v1/probe', victim)).status).toBe(200);
  });

  it('sends standard security headers and still serves the OpenAPI UI', async () => {
    const response = await get('/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Over plain HTTP (localhost, behind a TLS proxy) the UI's own assets must still load.
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    const docs = await get('/api/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(await docs.text()).toContain('swagger');
  });
});
