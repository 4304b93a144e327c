import { randomBytes } from 'node:crypto';
import { TcpProxy, eventually, testNatsUrl } from '@kaa/testing';
import { scmp } from '@kaa/protocols';
import { ScmpListener } from './scmp-listener.js';
import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

const suffix = () => randomBytes(3).toString('hex');

describe('17/SCMP notices', () => {
  let tekton: Tekton;
  let listener: ScmpListener;
  let call: ReturnType<typeof client>;
  const tenant = `acme${suffix()}`;
  const app = `app${suffix()}`;
  const version = `${app}-v1`;
  const replicaId = `replica-${suffix()}`;

  beforeAll(async () => {
    tekton = await startTekton({ tenants: [tenant], replicaId });
    listener = await ScmpListener.start(tekton.instance, ['ecr', 'cmx'], [tenant]);
    call = client(tekton.baseUrl, await tekton.issuer.mint(tenant, { scope: ALL_SCOPES }));
  });

  afterAll(async () => {
    await listener?.close();
    await tekton?.close();
  });

  it('announces each kind of change with the shape 17/SCMP allows, decodable with the reference schemas', async () => {
    const correlationId = `corr-${suffix()}`;
    expect((await call('POST', '/applications', { name: app }, { 'x-correlation-id': correlationId })).status).toBe(201);
    await call('PATCH', `/applications/${app}`, { displayName: 'A' });
    await call('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' });
    await call('PUT', `/app-configs/applications/${app}`, { ecr: { kaa: { applications: { [app]: {} } } }, cmx: { kaa: { applications: { [app]: { 'push-on-connect': true } } } } });
    await call('PATCH', `/app-configs/applications/${app}?serviceInstanceName=cmx`, { 'push-on-connect': false });
    await call('PUT', `/app-configs/applications/${app}/app-versions/${version}`, { ecr: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: {} } } } } } } });
    await call('PUT', '/tenant-configs', { cmx: { kaa: { tenants: { [tenant]: { config: { a: 1 } } } } } });
    await call('DELETE', `/applications/${app}/app-versions/${version}`);
    await call('DELETE', `/applications/${app}`);

    const expected = [
      `broadcast upsert ${tenant}/${app}/-`,
      `broadcast upsert ${tenant}/${app}/-`,
      `broadcast upsert ${tenant}/${app}/${version}`,
      `targeted upsert ${tenant}/${app}/- @ecr`,
      `targeted upsert ${tenant}/${app}/- @cmx`,
      `targeted upsert ${tenant}/${app}/- @cmx`,
      `targeted upsert ${tenant}/${app}/${version} @ecr`,
      `targeted upsert ${tenant}/-/- @cmx`,
      `broadcast delete ${tenant}/${app}/${version}`,
      `targeted delete ${tenant}/${app}/${version} @ecr`,
      `broadcast delete ${tenant}/${app}/-`,
      `targeted delete ${tenant}/${app}/- @cmx`,
      `targeted delete ${tenant}/${app}/- @ecr`,
    ];
    await eventually(() => (listener.notices.length >= expected.length ? true : undefined), 10_000);
    expect(listener.summary()).toEqual(expected);

    const [first] = listener.notices;
    expect(first.subject).toBe(scmp.broadcast(tekton.instance, 'upsert'));
    expect(first.message).toEqual({ correlationId, timestamp: expect.any(Number), originatorReplicaId: replicaId, tenantID: tenant, appName: app, appVerName: null });
    const targeted = listener.notices[3];
    expect(targeted.subject).toBe(scmp.targeted('ecr', 'upsert'));
    expect(Object.keys(targeted.message).sort()).toEqual(['appName', 'appVerName', 'correlationId', 'tenantID', 'timestamp']);
  });
});

describe('17/SCMP notices while NATS is down', () => {
  let proxy: TcpProxy;
  let tekton: Tekton;
  let listener: ScmpListener;
  const tenant = `globex${suffix()}`;

  beforeAll(async () => {
    proxy = await TcpProxy.start(testNatsUrl());
    tekton = await startTekton({ tenants: [tenant], natsUrl: proxy.url });
    listener = await ScmpListener.start(tekton.instance, ['cmx'], [tenant]);
  });

  afterAll(async () => {
    await listener?.close();
    await tekton?.close();
    await proxy?.down();
  });

  it('announces changes committed while NATS was unreachable once each, in commit order, when it is back', async () => {
    const call = client(tekton.baseUrl, await tekton.issuer.mint(tenant, { scope: ALL_SCOPES }));
    const health = client(tekton.baseUrl.replace(/\/api\/v1$/, ''));
    const app = `down${suffix()}`;

    await proxy.down();
    await eventually(async () => ((await health('GET', '/health')).status === 503 ? true : undefined), 10_000);
    expect((await call('POST', '/applications', { name: app })).status).toBe(201);
    for (const value of [1, 2, 3]) {
      expect((await call('PUT', `/app-configs/applications/${app}`, { cmx: { kaa: { applications: { [app]: { 'push-on-connect': value % 2 === 1 } } } } })).status).toBe(200);
    }
    await call('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' });

    await proxy.up();
    await eventually(async () => ((await health('GET', '/health')).status === 200 ? true : undefined), 15_000);
    // A change after the reconnect marks the end: everything before it must have arrived by then.
    await call('PUT', '/tenant-configs', { cmx: { kaa: { tenants: { [tenant]: { config: { done: true } } } } } });
    await eventually(() => (listener.summary().includes(`targeted upsert ${tenant}/-/- @cmx`) ? true : undefined), 15_000);

    expect(listener.summary()).toEqual([
      `broadcast upsert ${tenant}/${app}/-`,
      `targeted upsert ${tenant}/${app}/- @cmx`,
      `targeted upsert ${tenant}/${app}/- @cmx`,
      `targeted upsert ${tenant}/${app}/- @cmx`,
      `broadcast upsert ${tenant}/${app}/${app}-v1`,
      `targeted upsert ${tenant}/-/- @cmx`,
    ]);
  });
});
