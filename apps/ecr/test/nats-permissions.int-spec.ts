import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  systemConfig,
  systemConfigUpdatedCodec,
  cdtp,
  configAppliedCodec,
  configRequestCodec,
  configResponseCodec,
  elce,
  endpointUnregisteredEventCodec,
  tenantUnregisteredEventCodec,
  tle,
} from '@kaa/protocols';
import { DevIssuer, eventually, NatsServerProcess, uniqueName } from '@kaa/testing';
import { ALL_SCOPES, api, startEcr, type RunningEcr } from './support.js';

// The configuration operators deploy, not a copy: its users and subject permissions are under test.
const CONFIG_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/nats/nats-server.conf');
const USERS = ['tekton', 'ecr', 'watcher', 'delivery', 'lifecycle', 'admin'] as const;
type User = (typeof USERS)[number];

describe('NATS with the deployed users and permissions (deploy/nats/nats-server.conf)', () => {
  const passwords = Object.fromEntries(USERS.map((user) => [user, `pw-${randomBytes(12).toString('hex')}`])) as Record<User, string>;
  const tenant = uniqueName('acme');
  let server: NatsServerProcess;
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let call: ReturnType<typeof api>;
  const connections: NatsConnection[] = [];

  const as = async (user: User) => {
    const nc = await connect({ servers: server.url, user, pass: passwords[user], reconnect: false });
    connections.push(nc);
    return nc;
  };

  /** Publishes, then waits until the server has processed it; resolves with the server's permission errors. */
  const publishAs = async (nc: NatsConnection, subject: string, data: Uint8Array) => {
    const errors: string[] = [];
    const watching = (async () => {
      for await (const status of nc.status()) if (status.type === 'error') errors.push(String(status.error));
    })();
    nc.publish(subject, data);
    await nc.flush();
    await new Promise((r) => setTimeout(r, 100)); // the -ERR is read right after the PONG
    void watching;
    return errors;
  };

  beforeAll(async () => {
    server = await NatsServerProcess.start({
      configFile: CONFIG_FILE,
      env: Object.fromEntries(USERS.map((user) => [`NATS_${user.toUpperCase()}_PASSWORD`, passwords[user]])),
    });
    issuer = await DevIssuer.start({ tenants: [tenant] });
    ecr = await startEcr({
      issuer,
      owners: { meter: tenant },
      env: { NATS_URL: server.url, NATS_USER: 'ecr', NATS_PASSWORD: passwords.ecr, CDTP_CONSUMER_INSTANCES: '*' },
    });
    call = api(ecr.base, await issuer.mint(tenant, { scope: ALL_SCOPES }));
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await ecr?.close();
    await issuer?.close();
    await server?.stop();
  });

  it('refuses clients without credentials or with a wrong password', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: server.url, user: 'ecr', pass: 'guess', reconnect: false })).rejects.toThrow(/Authorization Violation/i);
  });

  it('lets the delivery user ask ecr (running as the ecr user) for a configuration over 6/CDTP', async () => {
    expect((await call('PUT', '/endpoints/meter-1/app-versions/meter-v1', { interval: 60 })).status).toBe(200);
    const delivery = await as('delivery');
    const correlationId = randomUUID();
    const reply = await delivery.request(
      cdtp.request(ecr.instance),
      configRequestCodec.encode({ correlationId, timestamp: Date.now(), timeout: 0, endpointId: 'meter-1', appVersionName: 'meter-v1', configId: null, configName: null }),
      { timeout: 5000 },
    );
    const response = configResponseCodec.decode(reply.data);
    expect(response).toMatchObject({ correlationId, statusCode: 200, endpointId: 'meter-1' });
    expect(JSON.parse(Buffer.from(response.content!).toString('utf8'))).toEqual({ interval: 60 });
  });

  it('lets only the delivery user publish ConfigApplied', async () => {
    const admin = await as('admin');
    const seen: string[] = [];
    const subject = cdtp.configApplied('cmx');
    admin.subscribe(subject, {
      callback: (_error, msg) => {
        seen.push(msg.subject);
      },
    });
    await admin.flush();
    const applied = () =>
      configAppliedCodec.encode({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, endpointId: 'meter-1', appVersionName: 'meter-v1', configId: 'c', statusCode: 200, reasonPhrase: null, originatorReplicaId: 'x' });

    for (const forger of ['watcher', 'tekton', 'ecr', 'lifecycle'] as const) {
      expect(await publishAs(await as(forger), subject, applied())).toEqual([expect.stringMatching(/Permissions Violation for Publish/i)]);
    }
    expect(await publishAs(await as('delivery'), subject, applied())).toEqual([]);
    await eventually(() => (seen.length > 0 ? true : undefined));
    await admin.flush();
    expect(seen).toHaveLength(1);
  });

  it('ignores endpoint and tenant lifecycle events from anyone but the lifecycle user', async () => {
    expect((await call('PUT', '/endpoints/kept-1/app-versions/meter-v1', { keep: true })).status).toBe(200);
    expect((await call('PUT', '/endpoints/gone-1/app-versions/meter-v1', { gone: true })).status).toBe(200);
    const unregister = (endpointId: string) =>
      endpointUnregisteredEventCodec.encode({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName: 'meter-v1', endpointId, originatorReplicaId: 'epr-1' });
    const purge = tenantUnregisteredEventCodec.encode({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, tenantId: tenant, originatorReplicaId: 'tm-1' });

    const delivery = await as('delivery');
    expect(await publishAs(delivery, elce.lifecycle('epr', 'unregistered'), unregister('kept-1'))).toEqual([expect.stringMatching(/Permissions Violation/i)]);
    expect(await publishAs(delivery, tle.lifecycle('tenant-manager', 'unregistered'), purge)).toEqual([expect.stringMatching(/Permissions Violation/i)]);
    // The genuine event, published after the forged ones were refused, is acted on ...
    expect(await publishAs(await as('lifecycle'), elce.lifecycle('epr', 'unregistered'), unregister('gone-1'))).toEqual([]);
    await eventually(async () => ((await call('GET', '/endpoints/gone-1/app-versions/meter-v1')).status === 404 ? true : undefined));
    // ... the forged ones were not: the endpoint and the tenant's data are still there.
    expect((await call('GET', '/endpoints/kept-1/app-versions/meter-v1')).status).toBe(200);
  });

  it('lets ecr (and only ecr) publish 27/SCMP SystemConfigUpdated', async () => {
    const admin = await as('admin');
    const seen: string[] = [];
    admin.subscribe(systemConfig.updated(ecr.instance), { callback: (_error, msg) => void seen.push(systemConfigUpdatedCodec.decode(msg.data).configName) });
    await admin.flush();
    expect((await call('POST', '/system/endpoints/meter-1/configs', { name: 'announced', config: '{}' })).status).toBe(201);
    await eventually(() => (seen.includes('announced') ? true : undefined));
    const forged = systemConfigUpdatedCodec.encode({ correlationId: randomUUID(), timestamp: Date.now(), tenantId: tenant, configName: 'forged', configLevel: 'TENANT', configLevelId: tenant, content: Buffer.from('{}') });
    expect(await publishAs(await as('delivery'), systemConfig.updated(ecr.instance), forged)).toEqual([expect.stringMatching(/Permissions Violation for Publish/i)]);
  });
});
