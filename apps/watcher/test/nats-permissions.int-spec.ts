import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { watch, watchEventCodec } from '@kaa/protocols';
import { dropSchema, eventually, NatsServerProcess } from '@kaa/testing';
import { eventBody, postEvent, startWatcher, type Credentials, type Watcher } from './support.js';

const CONFIG_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/nats/nats-server.conf');
const USERS = ['tekton', 'ecr', 'watcher', 'delivery', 'lifecycle', 'admin'] as const;
type User = (typeof USERS)[number];
const COMPONENT = 'inventory';

describe('watcher with its NATS user from deploy/nats/nats-server.conf', () => {
  const passwords = Object.fromEntries(USERS.map((user) => [user, `pw-${randomBytes(12).toString('hex')}`])) as Record<User, string>;
  let server: NatsServerProcess;
  let sut: Watcher;
  let runtime: Credentials;
  const connections: NatsConnection[] = [];

  const as = async (user: User) => {
    const nc = await connect({ servers: server.url, user, pass: passwords[user], reconnect: false });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    server = await NatsServerProcess.start({
      configFile: CONFIG_FILE,
      env: Object.fromEntries(USERS.map((user) => [`NATS_${user.toUpperCase()}_PASSWORD`, passwords[user]])),
    });
    // Its JetStream stream is created with the watcher user's rights alone.
    sut = await startWatcher({ env: { NATS_URL: server.url, NATS_USER: 'watcher', NATS_PASSWORD: passwords.watcher } });
    runtime = await sut.register('rt-perm', 'perm.example.com');
    const created = await sut.api('POST', '/watchers', {
      component: COMPONENT,
      resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
      field: 'status',
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await sut?.close();
    if (sut) await dropSchema(sut.instance);
    await server?.stop();
  });

  it('publishes accepted watch events, and nobody else can forge one', async () => {
    const admin = await as('admin');
    const seen: string[] = [];
    admin.subscribe(watch.patterns.changed(sut.instance, COMPONENT), {
      callback: (_error, msg) => {
        seen.push(watchEventCodec.decode(msg.data).watchedName);
      },
    });
    await admin.flush();

    const forger = await as('delivery');
    const errors: string[] = [];
    void (async () => {
      for await (const status of forger.status()) if (status.type === 'error') errors.push(String(status.error));
    })();
    forger.publish(watch.changed(sut.instance, COMPONENT), new Uint8Array([1, 2, 3]));
    await forger.flush();

    const accepted = await postEvent(sut.listenerUrl, `/v2/${COMPONENT}/event`, { ca: runtime.caBundle, credentials: runtime, body: eventBody('genuine') });
    expect(accepted.status).toBe(200);
    await eventually(() => (seen.length > 0 ? true : undefined));
    await admin.flush();
    expect(seen).toEqual(['genuine']);
    await eventually(() => (errors.length > 0 ? true : undefined));
    expect(errors).toEqual([expect.stringMatching(/Permissions Violation for Publish/i)]);
  });
});
