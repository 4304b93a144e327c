import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ObservabilityModule } from '@kaa/observability';
import { DevIssuer, writeTempFile } from '@kaa/testing';
import { Access, AuthModule, UndeclaredAccessError } from '../src/index.js';

@Controller('declared')
class DeclaredController {
  @Get('any-of')
  @Access.anyOf('a:read', 'b:read')
  anyOf() {
    return { ok: true };
  }

  @Get('platform')
  @Access.platform('ca:admin')
  platform() {
    return { ok: true };
  }
}

@Controller('undeclared')
class UndeclaredController {
  @Get()
  open() {
    return { leaked: true };
  }
}

describe('access declarations', () => {
  let issuer: DevIssuer;
  let tenantsFile: string;
  const apps: NestFastifyApplication[] = [];

  async function start(controllers: (new () => unknown)[], platformTenant?: string) {
    @Module({
      imports: [ObservabilityModule.forRoot({ service: 't', instance: 't', replicaId: 'r', level: 'silent' }), AuthModule.forRoot({ tenants: { tenantsFile }, platformTenant })],
      controllers,
    })
    class ProbeModule {}
    const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = await app.getUrl();
    return async (path: string, tenant: string, scope: string) =>
      (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await issuer.mint(tenant, { scope })}` } })).status;
  }

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'kaa'] });
    tenantsFile = await writeTempFile('tenants.json', JSON.stringify(issuer.tenants()));
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await issuer?.close();
  });

  it('refuses to start an application with a route that declares nobody', async () => {
    await expect(start([DeclaredController, UndeclaredController], 'kaa')).rejects.toThrow(UndeclaredAccessError);
    await expect(start([UndeclaredController], 'kaa')).rejects.toThrow(/GET \/undeclared \(UndeclaredController.open\)/);
  });

  it('refuses to start an application with an installation-wide route but no platform tenant', async () => {
    await expect(start([DeclaredController])).rejects.toThrow(/GET \/declared\/platform is an installation-wide operation .* no platform tenant/);
  });

  it('lets a token with any one of the scopes through', async () => {
    const call = await start([DeclaredController], 'kaa');
    expect(await call('/declared/any-of', 'acme', 'b:read')).toBe(200);
    expect(await call('/declared/any-of', 'acme', 'c:read')).toBe(403);
  });

  it('lets only the platform tenant, with the scopes, call an installation-wide route', async () => {
    const call = await start([DeclaredController], 'kaa');
    expect(await call('/declared/platform', 'acme', 'ca:admin')).toBe(403);
    expect(await call('/declared/platform', 'kaa', 'a:read')).toBe(403);
    expect(await call('/declared/platform', 'kaa', 'ca:admin')).toBe(200);
  });
});
