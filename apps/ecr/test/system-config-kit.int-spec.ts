import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ALL_SCOPES } from '@kaa/auth';
import { NatsClient, NatsHeaders, NatsModule } from '@kaa/nats';
import { LOGGER, ObservabilityModule, type Logger } from '@kaa/observability';
import { systemConfig, systemConfigUpdatedCodec } from '@kaa/protocols';
import { SystemConfigClient, type SystemConfigNotice, type SystemConfigValue } from '@kaa/tekton-client';
import { DevIssuer, eventually, NatsServerProcess, uniqueName } from '@kaa/testing';
import { api, startEcr, type RunningEcr } from './support.js';

describe('system config consumer kit (SystemConfigClient) against a running ecr', () => {
  const app = uniqueName('kit').replace(/-/g, '');
  const version = `${app}-v1`;
  let nats: NatsServerProcess;
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let service: INestApplicationContext;
  let kit: SystemConfigClient;
  let raw: NatsConnection;
  let acme: ReturnType<typeof api>;
  const rawMessages: Msg[] = [];
  const notices: SystemConfigNotice[] = [];
  const changes: [string, SystemConfigValue | undefined][] = [];
  let versionConfigId: string;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    issuer = await DevIssuer.start({ tenants: ['acme', 'kaa'] });
    ecr = await startEcr({ issuer, owners: { [app]: 'acme' }, env: { NATS_URL: nats.url } });
    const token = await issuer.mint('acme', { scope: [...ALL_SCOPES] });
    acme = api(ecr.base, token);

    @Module({
      imports: [
        ObservabilityModule.forRoot({ service: 'kit-test', instance: 'kit-test', replicaId: 'r1', level: 'silent' }),
        NatsModule.forRoot({ servers: nats.url, instanceName: 'kit-test', replicaId: 'r1', service: 'kit-test' }),
      ],
    })
    class KitServiceModule {}
    service = await NestFactory.createApplicationContext(KitServiceModule, { logger: false });
    await service.init();
    kit = new SystemConfigClient({
      ecrUrl: ecr.base.replace(/\/api\/v1$/, ''),
      ecrInstance: ecr.instance,
      level: 'APP_VERSION',
      levelId: version,
      names: ['limits'],
      token: async () => token,
      nats: service.get(NatsClient),
      logger: service.get<Logger>(LOGGER),
    });
    kit.onNotice((notice) => notices.push(notice));
    kit.onChange((name, value) => changes.push([name, value]));
    await kit.start();

    raw = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    raw.subscribe(systemConfig.updated(ecr.instance), { callback: (_error, msg) => void rawMessages.push(msg) });
    await raw.flush();
  });

  afterAll(async () => {
    await kit?.stop();
    await raw?.close();
    await service?.close();
    await ecr?.close();
    await issuer?.close();
    await nats?.stop();
  });

  const versionNotices = () => notices.filter((n) => n.level === 'APP_VERSION' && n.levelId === version && n.name === 'limits');
  const configOf = (path: string, value: unknown) => ({ name: 'limits', config: JSON.stringify(value) });

  it('reads the current config on start and follows each change, inherited from the levels above', async () => {
    expect(kit.current('limits')).toBeUndefined();
    expect((await acme('POST', '/system/tenants/acme/configs', configOf('tenant', { v: 1 }))).status).toBe(201);
    await eventually(() => (kit.current('limits')?.level === 'TENANT' ? true : undefined), 10_000);
    expect(kit.current('limits')).toMatchObject({ config: { v: 1 }, levelId: 'acme' });

    const created = await acme('POST', `/system/app-versions/${version}/configs`, configOf('version', { v: 2 }));
    expect(created.status).toBe(201);
    versionConfigId = created.body.configId;
    await eventually(() => (kit.current('limits')?.level === 'APP_VERSION' ? true : undefined), 10_000);
    expect((await acme('PUT', `/system/app-versions/${version}/configs/${versionConfigId}`, configOf('version', { v: 3 }))).status).toBe(204);
    await eventually(() => ((kit.current('limits')?.config as { v: number }).v === 3 ? true : undefined), 10_000);
    expect(versionNotices().map((n) => n.config)).toEqual([{ v: 2 }, { v: 3 }]);
    expect(changes.map(([, value]) => value?.config)).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
  });

  it('after a NATS restart re-reads what it may have missed, then follows each change once, in order', async () => {
    const natsClient = service.get(NatsClient);
    const changesBefore = changes.length;
    await nats.stop();
    await eventually(() => (natsClient.isConnected() ? undefined : true), 10_000);
    // Committed while NATS is down. Core NATS: a notice published before this follower has
    // resubscribed is lost to it, so the kit re-reads on reconnect (the 17/SCMP rule).
    expect((await acme('PUT', `/system/app-versions/${version}/configs/${versionConfigId}`, configOf('version', { v: 4 }))).status).toBe(204);
    expect((await acme('DELETE', `/system/app-versions/${version}/configs/${versionConfigId}`)).status).toBe(204);
    await nats.resume();
    // The version's config is gone: the tenant's applies again, reported once.
    await eventually(() => (kit.current('limits')?.level === 'TENANT' ? true : undefined), 20_000);
    expect(kit.current('limits')?.config).toEqual({ v: 1 });

    const recreated = await acme('POST', `/system/app-versions/${version}/configs`, configOf('version', { v: 5 }));
    expect(recreated.status).toBe(201);
    expect((await acme('PUT', `/system/app-versions/${version}/configs/${recreated.body.configId}`, configOf('version', { v: 6 }))).status).toBe(204);
    await eventually(() => ((kit.current('limits')?.config as { v: number }).v === 6 ? true : undefined), 10_000);
    await eventually(() => (versionNotices().some((n) => (n.config as { v: number } | undefined)?.v === 6) ? true : undefined), 10_000);

    // Every notice seen at most once, in revision order; the changes after the restart all seen.
    const seen = versionNotices().map((n) => n.config);
    expect(seen.slice(0, 2)).toEqual([{ v: 2 }, { v: 3 }]);
    expect(seen.slice(-2)).toEqual([{ v: 5 }, { v: 6 }]);
    const revisions = versionNotices().map((n) => n.revision ?? 0n);
    expect(revisions).toEqual([...revisions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(revisions).size).toBe(revisions.length);
    const after = changes.slice(changesBefore).map(([, value]) => [value?.level, value?.config]);
    expect(after[0]).toEqual(['TENANT', { v: 1 }]);
    expect(after.slice(-1)).toEqual([['APP_VERSION', { v: 6 }]]);
    expect(after.filter(([, config]) => (config as { v: number }).v === 6)).toHaveLength(1);
  });

  it('drops a notice delivered twice', async () => {
    const before = versionNotices().length;
    const repeat = rawMessages.find((m) => m.headers?.get(NatsHeaders.configRevision) && systemConfigUpdatedCodec.decode(m.data).configLevel === 'APP_VERSION');
    expect(repeat).toBeDefined();
    await raw.flush(); // connected again after the restart
    raw.publish(repeat!.subject, repeat!.data, { headers: repeat!.headers });
    // A later message on the same connection: once it is seen, the repeat was handled before it.
    const sentinel = natsHeaders();
    sentinel.set(NatsHeaders.configRevision, '1');
    raw.publish(
      systemConfig.updated(ecr.instance),
      systemConfigUpdatedCodec.encode({ correlationId: 'sentinel', timestamp: Date.now(), tenantId: 'sentinel', configName: 'limits', configLevel: 'TENANT', configLevelId: 'sentinel', content: Buffer.from('{}') }),
      { headers: sentinel },
    );
    await eventually(() => notices.find((n) => n.correlationId === 'sentinel'), 10_000);
    expect(versionNotices()).toHaveLength(before);
  });
});
