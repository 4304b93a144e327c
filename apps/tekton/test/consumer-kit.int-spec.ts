import { randomBytes } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NatsClient, NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { AppConfigSource, TektonClientModule, type ConfigChange } from '@kaa/tekton-client';
import { TcpProxy, eventually, testNatsUrl } from '@kaa/testing';
import { ALL_SCOPES, client, SERVICE_INSTANCES_YAML, startTekton, type Tekton } from './support.js';

const rand = () => randomBytes(3).toString('hex');

describe('consumer kit (TektonConfigClient) used by a test service', () => {
  const consumer = `kit-${rand()}`;
  const tenant = `acme${rand()}`;
  const app = `kit${rand()}`;
  const version = `${app}-v1`;
  const credentials = { clientId: `svc-${rand()}`, clientSecret: 'kit-secret', tenant: 'kaa', scope: 'kaa:application:read kaa:tenant:configuration:read' };
  let tekton: Tekton;
  let proxy: TcpProxy;
  let service: INestApplicationContext;
  let source: AppConfigSource;
  let call: ReturnType<typeof client>;
  const changes: ConfigChange[] = [];

  const appConfig = (value: boolean) => ({ [consumer]: { kaa: { applications: { [app]: { 'push-on-connect': value } } } } });

  beforeAll(async () => {
    const instancesYaml = `${SERVICE_INSTANCES_YAML}
    ${consumer}:
      serviceName: kit
      serviceGroup: test
      appConfigurationSchema:
        type: object
        properties:
          push-on-connect: { type: boolean }
`;
    tekton = await startTekton({ tenants: [tenant, 'kaa'], clients: [credentials], instancesYaml });
    call = client(tekton.baseUrl, await tekton.issuer.mint(tenant, { scope: ALL_SCOPES }));
    expect((await call('POST', '/applications', { name: app })).status).toBe(201);
    expect((await call('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
    expect((await call('PUT', `/app-configs/applications/${app}`, appConfig(true))).status).toBe(200);
    expect((await call('PUT', '/tenant-configs', { [consumer]: { kaa: { tenants: { [tenant]: { config: { tier: 'gold' } } } } } })).status).toBe(200);

    proxy = await TcpProxy.start(testNatsUrl());
    const identity = { service: 'kit-test', instance: consumer, replicaId: rand() };
    @Module({
      imports: [
        ObservabilityModule.forRoot({ ...identity, level: 'silent' }),
        NatsModule.forRoot({ servers: proxy.url, instanceName: consumer, replicaId: identity.replicaId, service: 'kit-test' }),
        TektonClientModule.forRoot({
          tektonUrl: tekton.baseUrl.replace(/\/api\/v1$/, ''),
          instanceName: consumer,
          tektonInstance: tekton.instance,
          tokenUrl: tekton.issuer.tokenUrlFor('kaa'),
          clientId: credentials.clientId,
          clientSecret: credentials.clientSecret,
          startTimeoutMs: 10_000,
        }),
      ],
    })
    class TestServiceModule {}
    service = await NestFactory.createApplicationContext(TestServiceModule, { logger: false });
    source = service.get(AppConfigSource);
    source.onChange((change) => changes.push(change));
  });

  afterAll(async () => {
    await service?.close();
    await tekton?.close();
    await proxy?.down();
  });

  const nextChange = (predicate: (c: ConfigChange) => boolean) => {
    const from = changes.length;
    return () => eventually(() => changes.slice(from).find(predicate), 10_000);
  };

  it('reads the whole configuration on start (client-credentials token of the platform tenant)', () => {
    expect(source.current()).toEqual({
      applications: { [app]: { 'push-on-connect': true, versions: { [version]: {} } } },
      tenants: { [tenant]: { config: { tier: 'gold' } } },
    });
  });

  it('sees an app config change with the first notice about it', async () => {
    const seen = nextChange((c) => c.reason === 'notice' && c.appName === app);
    expect((await call('PATCH', `/app-configs/applications/${app}?serviceInstanceName=${consumer}`, { 'push-on-connect': false })).status).toBe(200);
    expect(await seen()).toEqual({ scope: 'application', tenantId: tenant, appName: app, reason: 'notice' });
    expect(source.current().applications[app]).toEqual({ 'push-on-connect': false, versions: { [version]: {} } });
  });

  it('follows version configs, tenant configs and deletions notice by notice', async () => {
    let seen = nextChange((c) => c.scope === 'app-version');
    await call('PUT', `/app-configs/applications/${app}/app-versions/${version}`, { [consumer]: { kaa: { applications: { [app]: { versions: { [version]: { limit: 5 } } } } } } });
    await seen();
    expect(source.current().applications[app].versions).toEqual({ [version]: { limit: 5 } });

    seen = nextChange((c) => c.scope === 'tenant');
    await call('PUT', '/tenant-configs', { [consumer]: { kaa: { tenants: { [tenant]: { config: { tier: 'silver' } } } } } });
    await seen();
    expect(source.current().tenants[tenant]).toEqual({ config: { tier: 'silver' } });

    seen = nextChange((c) => c.scope === 'app-version');
    await call('DELETE', `/applications/${app}/app-versions/${version}`);
    await seen();
    expect(source.current().applications[app].versions).toEqual({});
  });

  it('re-reads everything after a NATS reconnect (a notice missed while disconnected)', async () => {
    const nats = service.get(NatsClient);
    await proxy.down();
    await eventually(() => (nats.isConnected() ? undefined : true), 10_000);
    expect((await call('PUT', `/app-configs/applications/${app}`, appConfig(true))).status).toBe(200);
    const reread = nextChange((c) => c.reason === 'reconnect');
    await proxy.up();
    expect(await reread()).toEqual({ scope: 'all', reason: 'reconnect' });
    expect(source.current().applications[app]['push-on-connect']).toBe(true);
  });
});
