import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsServerProcess, dropSchema, eventually } from '@kaa/testing';
import { watchStreamName } from '@kaa/watch-listener';
import { eventBody, postEvent, startWatcher, type Credentials, type Watcher } from './support.js';

describe('listener while NATS is down', () => {
  let nats: NatsServerProcess;
  let sut: Watcher;
  let runtime: Credentials;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    sut = await startWatcher({ env: { NATS_URL: nats.url, JETSTREAM_ACK_TIMEOUT_MS: '1000' } });
    runtime = await sut.register('rt-outage', 'outage.example.com');
    const created = await sut.api('POST', '/watchers', {
      component: 'inventory',
      resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
      field: 'spec',
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await sut?.close();
    await nats?.stop();
    if (sut) await dropSchema(sut.instance);
  });

  const streamMessages = async () => {
    const nc = await connect({ servers: nats.url });
    try {
      return (await (await jetstreamManager(nc)).streams.info(watchStreamName(sut.instance))).state.messages;
    } finally {
      await nc.close();
    }
  };

  it('answers 503 instead of dropping the event, and accepts the retry once NATS is back', async () => {
    const send = () =>
      postEvent(sut.listenerUrl, '/v2/inventory/event', { credentials: runtime, ca: runtime.caBundle, body: eventBody('during-outage') });
    expect(await streamMessages()).toBe(0);

    await nats.stop();
    const refused = await send();
    expect(refused.status).toBe(503);
    expect(String(refused.body.message)).toMatch(/NATS|JetStream/i);

    await nats.resume();
    const accepted = await eventually(async () => {
      const reply = await send();
      return reply.status === 200 ? reply : undefined;
    }, 15000, 250);
    expect(accepted.status).toBe(200);
    expect(await streamMessages()).toBe(1);
  });
});
