import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { NatsClient, NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { dropSchema, eventually, NatsServerProcess, outboxDrained, testDatabaseUrl, uniqueName } from '@kaa/testing';
import { OutboxService, PersistenceModule, postgresOptions } from '../src/index.js';

function contextFor(schema: string, natsUrl: string) {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'test', instance: schema, replicaId: 'r1', level: 'silent' }),
      NatsModule.forRoot({ servers: natsUrl, instanceName: schema, replicaId: 'r1', service: 'test' }),
      PersistenceModule.forRoot({
        dataSource: postgresOptions({ url: testDatabaseUrl(), schema, entities: [], migrations: [], applicationName: 'outbox-faults-test' }),
        migrate: true,
      }),
    ],
  })
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

type Fault = 'SIGTERM' | 'SIGKILL' | 'hang';
const FAULTS: Fault[] = Array.from({ length: 18 }, (_, i) => (['SIGTERM', 'SIGKILL', 'hang'] as const)[i % 3]);
const KEYS = 8;

/** A change's notice payload: which config it is about and its revision. */
const token = (key: number, revision: number) => `<k${key}:${revision}>`;


describe('transactional outbox while NATS is stopped, killed and hung', () => {
  const schema = uniqueName('outbox-faults');
  let nats: NatsServerProcess;
  let app: INestApplicationContext;

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ trace: true });
    app = await contextFor(schema, nats.url);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await nats?.dispose();
    await dropSchema(schema);
  });

  it('announces every committed change at least once, each config in commit order', async () => {
    const outbox = app.get(OutboxService);
    const client = app.get(NatsClient);
    const committed: string[] = [];
    let committing = true;
    // One writer, changes round-robin over the configs: each config's revisions commit in order.
    const writer = (async () => {
      for (let n = 0; committing; n++) {
        const key = n % KEYS;
        const payload = token(key, Math.floor(n / KEYS));
        await app.get(DataSource).transaction((manager) =>
          outbox.enqueue(manager, [{ subject: `${schema}.config.k${key}`, payload: new TextEncoder().encode(payload) }]),
        );
        committed.push(payload);
      }
    })();

    const started = Date.now();
    for (const fault of FAULTS) {
      // Strike while the relay is connected and publishing, at a different instant each time.
      await eventually(() => (client.connectionIdentity() ? true : undefined), 10000, 5);
      await sleep(between(20, 400));
      await nats.strike(fault, between(50, 300));
    }
    committing = false;
    await writer;

    // The relay deletes a row only once NATS confirmed it: an empty outbox is the event to wait on.
    await outboxDrained(schema);
    // What the servers received, from their protocol trace: a payload's line is written before the
    // server answers the PING behind it, so everything the relay may count as confirmed is in it,
    // even when the server was killed right after.
    await nats.traceCaughtUp();
    const received = nats.receivedPayloads().flatMap((payload) => [...payload.matchAll(/<k\d+:\d+>/g)].map((m) => m[0]));
    const seen = new Set(received);
    const lost = committed.filter((t) => !seen.has(t));
    // First sightings of each config's revisions must come in commit order.
    const lastFirstSeen = new Map<string, number>();
    const outOfOrder: string[] = [];
    const firstSeen = new Set<string>();
    for (const t of received) {
      if (firstSeen.has(t)) continue;
      firstSeen.add(t);
      const [, key, revision] = /<(k\d+):(\d+)>/.exec(t)!;
      if ((lastFirstSeen.get(key) ?? -1) > Number(revision)) outOfOrder.push(t);
      lastFirstSeen.set(key, Number(revision));
    }
    const figures = {
      changes: committed.length,
      notices: received.length,
      duplicates: received.length - seen.size,
      lost: lost.length,
      outOfOrder: outOfOrder.length,
      restarts: FAULTS.length,
      faults: Object.fromEntries((['SIGTERM', 'SIGKILL', 'hang'] as const).map((f) => [f, FAULTS.filter((x) => x === f).length])),
      seconds: Math.round((Date.now() - started) / 1000),
    };
    console.log(`outbox faults: ${JSON.stringify(figures)}`);
    expect(committed.length).toBeGreaterThan(FAULTS.length * 10);
    expect({ lost: lost.slice(0, 10), outOfOrder: outOfOrder.slice(0, 10) }).toEqual({ lost: [], outOfOrder: [] });
  }, 120_000);
});
