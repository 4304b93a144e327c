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

async function startApp(tenants: TenantSource, allowedTenants: string[] = []) {
  @Module({
    imports: [ObservabilityModule.forRoot({ service: 't', instance: 't', replicaId: 'r', level: 'silent' }), AuthModule.forRoot({ tenants, allowedTenants })],
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
