import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { ObservabilityModule } from '@kaa/observability';
import { DevIssuer, writeTempFile } from '@kaa/testing';
import { Access, AuthModule, CurrentUser, type AuthUser, type TenantSource } from '../src/index.js';

@Controller('probe')
class ProbeController {
  @Get('open')
  @Access.public()
  open() {
    return { open: true };
  }

  @Get('read')
  @Access.scopes('application:read')
  read(@CurrentUser() user: AuthUser) {
    return { tenantId: user.tenantId, subject: user.subject };
  }

  @Get('any')
  @Access.authenticated()
  any(@CurrentUser() user: AuthUser) {
    return { tenantId: user.tenantId };
  }
}

async function startApp(tenants: TenantSource, allowedTenants: string[] = [], extra: { audience?: string; clockSkewSeconds?: number } = {}) {
  @Module({
    imports: [ObservabilityModule.forRoot({ service: 't', instance: 't', replicaId: 'r', level: 'silent' }), AuthModule.forRoot({ tenants, allowedTenants, ...extra })],
    controllers: [ProbeController],
  })
  class ProbeModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: await app.getUrl() };
}

describe('bearer token authentication', () => {
  let issuer: DevIssuer;
  let stranger: DevIssuer;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['demo', 'acme'] });
    stranger = await DevIssuer.start({ tenants: ['demo'] });
    ({ app, base } = await startApp({ tenantsFile: await writeTempFile('tenants.json', JSON.stringify(issuer.tenants())) }));
  });

  afterAll(async () => {
    await app?.close();
    await issuer?.close();
    await stranger?.close();
  });

  const get = async (path: string, token?: string) => {
    const response = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lets public routes through without a token', async () => {
    expect((await get('/probe/open')).status).toBe(200);
  });

  it('puts the tenant of the signing issuer on the request', async () => {
    const token = await issuer.mint('acme', { scope: 'application:read', sub: 'alice' });
    expect(await get('/probe/read', token)).toEqual({ status: 200, body: { tenantId: 'acme', subject: 'alice' } });
  });

  it.each([
    ['no token', async () => undefined],
    ['garbage', async () => 'not.a.jwt'],
    ['expired', async () => issuer.mint('demo', { scope: 'application:read', expiresInSeconds: -60 })],
    ['signed by a key not in the JWKS', async () => issuer.mintWithForeignKey('demo', { scope: 'application:read' })],
    ['from an issuer that is no tenant', async () => stranger.mint('demo', { scope: 'application:read' })],
    ['alg none', async () => unsignedToken(issuer.issuerFor('demo'))],
    ['HS256 signed with the public key material', async () => hmacToken(issuer.issuerFor('demo'))],
    ['without an expiry', async () => issuer.mint('demo', { scope: 'application:read', expiresInSeconds: null })],
  ])('refuses a token that is %s with 401', async (_name, token) => {
    const { status, body } = await get('/probe/read', await token());
    expect(status).toBe(401);
    expect(String(body.message)).toMatch(/token/);
  });

  it('answers 403 naming the missing scope', async () => {
    const { status, body } = await get('/probe/read', await issuer.mint('demo', { scope: 'endpoint:read' }));
    expect(status).toBe(403);
    expect(body.message).toBe('missing scope: application:read');
  });

  it('refuses tenants an instance does not serve', async () => {
    const limited = await startApp({ tenantsFile: await writeTempFile('tenants.json', JSON.stringify(issuer.tenants())) }, ['demo']);
    try {
      const acme = await fetch(`${limited.base}/probe/any`, { headers: { authorization: `Bearer ${await issuer.mint('acme', { scope: '' })}` } });
      expect(acme.status).toBe(403);
      const demo = await fetch(`${limited.base}/probe/any`, { headers: { authorization: `Bearer ${await issuer.mint('demo', { scope: '' })}` } });
      expect(demo.status).toBe(200);
      // Another app in the same process keeps its own settings (passport's registry is global).
      expect((await get('/probe/any', await issuer.mint('acme', { scope: '' }))).status).toBe(200);
    } finally {
      await limited.app.close();
    }
  });

  it('reads tenants from a tenant manager', async () => {
    const managed = await startApp({ tenantManagerUrl: issuer.baseUrl, refreshSeconds: 60 });
    try {
      const response = await fetch(`${managed.base}/probe/any`, { headers: { authorization: `Bearer ${await issuer.mint('acme', { scope: '' })}` } });
      expect(await response.json()).toEqual({ tenantId: 'acme' });
    } finally {
      await managed.app.close();
    }
  });
});

describe('token audience and time claims', () => {
  let issuer: DevIssuer;
  let app: NestFastifyApplication;
  let base: string;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['demo', 'acme'] });
    // demo names its own audience; acme falls back to the global one.
    const tenants = issuer.tenants().map((t) => (t.id === 'demo' ? { ...t, audience: 'kaa-demo-api' } : t));
    ({ app, base } = await startApp({ tenantsFile: await writeTempFile('tenants.json', JSON.stringify(tenants)) }, [], { audience: 'kaa-api', clockSkewSeconds: 30 }));
  });

  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  const call = async (token: string) => {
    const response = await fetch(`${base}/probe/any`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, message: ((await response.json()) as { message?: string }).message };
  };

  it('accepts a token naming the tenant\'s audience, or the global one for a tenant without its own', async () => {
    expect((await call(await issuer.mint('demo', { scope: '', extra: { aud: 'kaa-demo-api' } }))).status).toBe(200);
    expect((await call(await issuer.mint('demo', { scope: '', extra: { aud: ['other', 'kaa-demo-api'] } }))).status).toBe(200);
    expect((await call(await issuer.mint('acme', { scope: '', extra: { aud: 'kaa-api' } }))).status).toBe(200);
  });

  it.each([
    ['another audience', 'demo', { aud: 'kaa-api' }],
    ['no audience', 'demo', {}],
    ['the other tenant\'s audience', 'acme', { aud: 'kaa-demo-api' }],
  ])('refuses a token with %s (401)', async (_case, tenant, extra) => {
    const token = await issuer.mint(tenant, { scope: '', extra });
    const first = await call(token);
    expect(first).toEqual({ status: 401, message: expect.stringMatching(/audience \(aud\) does not include kaa-/) });
    // Refused tokens are never cached as verified.
    expect((await call(token)).status).toBe(401);
  });

  it('refuses a token issued 10 minutes in the future, and accepts one within the clock skew', async () => {
    const future = await issuer.mint('acme', { scope: '', extra: { aud: 'kaa-api', iat: now() + 600 } });
    expect(await call(future)).toEqual({ status: 401, message: 'invalid token: it was issued in the future (iat)' });
    expect((await call(await issuer.mint('acme', { scope: '', extra: { aud: 'kaa-api', iat: now() + 10 } }))).status).toBe(200);
  });

  it('refuses a token not valid before a future time (nbf), and accepts one within the clock skew', async () => {
    const early = await issuer.mint('acme', { scope: '', extra: { aud: 'kaa-api', nbf: now() + 600 } });
    expect(await call(early)).toEqual({ status: 401, message: 'invalid token: jwt not active' });
    expect((await call(await issuer.mint('acme', { scope: '', extra: { aud: 'kaa-api', nbf: now() + 10 } }))).status).toBe(200);
  });

  it('accepts an expired token only within the clock skew', async () => {
    expect((await call(await issuer.mint('acme', { scope: '', expiresInSeconds: -10, extra: { aud: 'kaa-api' } }))).status).toBe(200);
    expect((await call(await issuer.mint('acme', { scope: '', expiresInSeconds: -60, extra: { aud: 'kaa-api' } }))).status).toBe(401);
  });
});

function unsignedToken(iss: string) {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss, sub: 'x', scope: 'application:read', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
}

async function hmacToken(iss: string) {
  return new SignJWT({ scope: 'application:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(iss)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode('public-key-is-not-a-secret-but-an-attacker-might-try'));
}
