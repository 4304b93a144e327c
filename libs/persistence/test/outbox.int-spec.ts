import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { NatsServerProcess, dropSchema, eventually, query, testDatabaseUrl, testNatsUrl, uniqueName } from '@kaa/testing';
import { OutboxRelay, OutboxService, PersistenceModule, postgresOptions, runMigrations } from '../src/index.js';

function contextFor(schema: string, natsUrl: string, replicaId = 'r1') {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'test', instance: schema, replicaId, level: 'silent' }),
      NatsModule.forRoot({ servers: natsUrl, instanceName: schema, replicaId, service: 'test' }),
      PersistenceModule.forRoot({
        dataSource: postgresOptions({ url: testDatabaseUrl(), schema, entities: [], migrations: [], applicationName: 'outbox-test' }),
        migrate: true,
      }),
    ],
  })
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false });
}

describe('transactional outbox', () => {
  const schema = uniqueName('outbox');
  let nats: NatsServerProcess;
  let app: INestApplicationContext;
  let subscriber: NatsConnection;
  const received: string[] = [];

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    app = await contextFor(schema, nats.url);
    await app.init();
    subscriber = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    subscriber.subscribe(`${schema}.>`, { callback: (_e, msg) => void received.push(new TextDecoder().decode(msg.data)) });
    await subscriber.flush();
  });

  afterAll(async () => {
    await subscriber?.close();
    await app?.close();
    await nats?.dispose();
    await dropSchema(schema);
  });

  const commit = (payload: string) =>
    app.get(DataSource).transaction((manager) =>
      app.get(OutboxService).enqueue(manager, [{ subject: `${schema}.event`, payload: new TextEncoder().encode(payload) }]),
    );

  it('publishes a committed message after commit', async () => {
    await commit('first');
    await eventually(() => (received.includes('first') ? true : undefined));
  });

  it('does not publish what was rolled back', async () => {
    await expect(
      app.get(DataSource).transaction(async (manager) => {
        await app.get(OutboxService).enqueue(manager, [{ subject: `${schema}.event`, payload: new TextEncoder().encode('rolled-back') }]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await commit('after-rollback');
    await eventually(() => (received.includes('after-rollback') ? true : undefined));
    expect(received).not.toContain('rolled-back');
  });

  it('announces changes committed while NATS was down, once each, in commit order', async () => {
    // A stream captures what NATS received: a live subscriber misses whatever the relay publishes
    // before the subscriber itself has reconnected.
    const capture = `CAPTURE_${schema.replace(/-/g, '_').toUpperCase()}`;
    await (await jetstreamManager(subscriber)).streams.add({ name: capture, subjects: [`${schema}.event`] });
    await nats.stop();
    const payloads = Array.from({ length: 20 }, (_, i) => `while-down-${i}`);
    for (const p of payloads) await commit(p);
    const [{ pending }] = await query<{ pending: number }>(`SELECT count(*)::int AS pending FROM "${schema}".outbox_message`);
    expect(pending).toBe(20);
    await nats.resume();
    // The relay deletes a row only once NATS confirmed its publish: the empty outbox is the event.
    await eventually(async () => {
      const [{ left }] = await query<{ left: number }>(`SELECT count(*)::int AS left FROM "${schema}".outbox_message`);
      return left === 0 ? true : undefined;
    }, 60000, 50);
    // A connection of its own: the subscriber may still be reconnecting.
    const reader = await connect({ servers: nats.url });
    try {
      const streams = (await jetstreamManager(reader)).streams;
      const { state } = await streams.info(capture);
      const captured: string[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq; seq++) captured.push(new TextDecoder().decode((await streams.getMessage(capture, { seq }))!.data));
      expect(captured).toEqual(payloads);
      await streams.delete(capture);
    } finally {
      await reader.close();
    }
    // The tests below use the subscriber: wait for it to be back.
    await eventually(() => subscriber.flush().then(() => true), 10000, 50);
  });

  it('carries headers, and publishes to JetStream once per message id', async () => {
    const headersSeen: (string | undefined)[] = [];
    const sub = subscriber.subscribe(`${schema}.headers`, { callback: (_e, msg) => void headersSeen.push(msg.headers?.get('Kaa-Correlation-Id')) });
    await subscriber.flush();
    const jsm = await jetstreamManager(subscriber);
    await jsm.streams.add({ name: `OUTBOX_${schema.replace(/-/g, '_').toUpperCase()}`, subjects: [`${schema}.durable.>`] });
    const outbox = app.get(OutboxService);
    await app.get(DataSource).transaction((manager) =>
      outbox.enqueue(manager, [
        { subject: `${schema}.headers`, payload: new TextEncoder().encode('h'), headers: { 'Kaa-Correlation-Id': 'corr-1' } },
        { subject: `${schema}.durable.a`, payload: new TextEncoder().encode('once'), msgId: 'change-42' },
      ]),
    );
    // The same id again (e.g. a retried relay batch) is deduplicated by JetStream.
    await app.get(DataSource).transaction((manager) =>
      outbox.enqueue(manager, [{ subject: `${schema}.durable.a`, payload: new TextEncoder().encode('once'), msgId: 'change-42' }]),
    );
    await eventually(() => (headersSeen.length === 1 ? true : undefined));
    expect(headersSeen).toEqual(['corr-1']);
    await eventually(async () => ((await query(`SELECT 1 FROM "${schema}".outbox_message`)).length === 0 ? true : undefined));
    const info = await jsm.streams.info(`OUTBOX_${schema.replace(/-/g, '_').toUpperCase()}`);
    expect(info.state.messages).toBe(1);
    sub.unsubscribe();
  });

  it('listens again when its LISTEN connection is cut, and keeps publishing', async () => {
    const listenerName = `${schema}-outbox`;
    const [{ pid }] = await query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [listenerName]);
    await query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(async () => {
      const rows = await query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [listenerName]);
      return rows.length === 1 && rows[0].pid !== pid ? true : undefined;
    }, 10000, 100);
    await commit('after-reconnect');
    await eventually(() => (received.includes('after-reconnect') ? true : undefined));
  });

  it('keeps commit order across small messages, a fan-out and a message too large for a notification', async () => {
    received.length = 0;
    const big = 'x'.repeat(12_000);
    const fanOut = Array.from({ length: 40 }, (_, i) => `fan-${i}`);
    const outbox = app.get(OutboxService);
    const expected: string[] = [];
    // Committed one after another without waiting for the relay, so it sees all kinds interleaved.
    for (let round = 0; round < 5; round++) {
      for (const batch of [[`a-${round}`], fanOut.map((f) => `${f}-${round}`), [`b-${round}`], [`${big}-${round}`], [`c-${round}`]]) {
        expected.push(...batch);
        await app.get(DataSource).transaction((manager) =>
          outbox.enqueue(manager, batch.map((p) => ({ subject: `${schema}.event`, payload: new TextEncoder().encode(p) }))),
        );
      }
    }
    await eventually(() => (received.length >= expected.length ? true : undefined), 10000);
    await app.get(OutboxRelay).kick();
    expect(received.map((r) => (r.length > 100 ? `big(${r.length})` : r))).toEqual(expected.map((r) => (r.length > 100 ? `big(${r.length})` : r)));
  });

  it('refuses to enqueue outside a transaction', async () => {
    await expect(
      app.get(OutboxService).enqueue(app.get(DataSource).manager, [{ subject: 'x', payload: new Uint8Array() }]),
    ).rejects.toThrow(/inside a transaction/);
  });
});

describe('migrations', () => {
  const schema = uniqueName('migr');
  afterAll(() => dropSchema(schema));

  it('apply once when replicas start together', async () => {
    const sources = await Promise.all(
      [1, 2, 3].map(() =>
        new DataSource(postgresOptions({ url: testDatabaseUrl(), schema, entities: [], migrations: [], applicationName: 'migr-test' })).initialize(),
      ),
    );
    try {
      const applied = await Promise.all(sources.map((s) => runMigrations(s)));
      expect(applied.flat()).toEqual(['CreateOutbox1763856000000']);
      const rows = await query(`SELECT name FROM "${schema}".migrations`);
      expect(rows).toHaveLength(1);
      const tables = await query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema]);
      expect(tables.map((t) => t.table_name)).toEqual(['migrations', 'outbox_message']);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
  });
});

describe('transactional outbox of an instance with a name of the longest allowed length', () => {
  // 63 characters: Postgres refuses NOTIFY channels of 64 bytes or more, so the channel is shortened.
  const schema = uniqueName('outbox-long').padEnd(63, 'x');
  let app: INestApplicationContext;
  let subscriber: NatsConnection;
  const received: string[] = [];

  beforeAll(async () => {
    app = await contextFor(schema, testNatsUrl());
    await app.init();
    subscriber = await connect({ servers: testNatsUrl() });
    subscriber.subscribe(`${schema}.>`, { callback: (_e, msg) => void received.push(new TextDecoder().decode(msg.data)) });
    await subscriber.flush();
  });

  afterAll(async () => {
    await subscriber?.close();
    await app?.close();
    await dropSchema(schema);
  });

  it('stores and publishes a committed message', async () => {
    await app.get(DataSource).transaction((manager) =>
      app.get(OutboxService).enqueue(manager, [{ subject: `${schema}.event`, payload: new TextEncoder().encode('long') }]),
    );
    await eventually(() => (received.includes('long') ? true : undefined));
  });
});

describe('transactional outbox with two replicas', () => {
  const schema = uniqueName('outbox-pair');
  const listenerName = `${schema}-outbox`;
  let replicas: INestApplicationContext[];
  let subscriber: NatsConnection;
  const received: string[] = [];

  beforeAll(async () => {
    replicas = [await contextFor(schema, testNatsUrl(), 'r1'), await contextFor(schema, testNatsUrl(), 'r2')];
    for (const replica of replicas) await replica.init();
    subscriber = await connect({ servers: testNatsUrl() });
    subscriber.subscribe(`${schema}.>`, { callback: (_e, msg) => void received.push(new TextDecoder().decode(msg.data)) });
    await subscriber.flush();
  });

  afterAll(async () => {
    await subscriber?.close();
    for (const replica of replicas ?? []) await replica.close().catch(() => undefined);
    await dropSchema(schema);
  });

  const commitOn = (replica: INestApplicationContext, payload: string) =>
    replica.get(DataSource).transaction((manager) =>
      replica.get(OutboxService).enqueue(manager, [{ subject: `${schema}.event`, payload: new TextEncoder().encode(payload) }]),
    );

  /** The backend of the replica that relays: its LISTEN connection holds the advisory lock. */
  const relayingBackend = () =>
    eventually(async () => {
      const rows = await query<{ pid: number }>(
        `SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
        [listenerName],
      );
      return rows.length === 1 ? rows[0].pid : undefined;
    }, 10000, 50);

  const firstSeen = () => [...new Set(received)];

  it('publishes what either replica commits once, in commit order', async () => {
    const payloads = Array.from({ length: 200 }, (_, i) => `pair-${i}`);
    for (const [i, p] of payloads.entries()) await commitOn(replicas[i % 2], p);
    await eventually(() => (received.length >= payloads.length ? true : undefined), 10000);
    await Promise.all(replicas.map((r) => r.get(OutboxRelay).kick()));
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual(payloads);
  });

  it('loses nothing and keeps the order when the relaying replica loses its connection mid-stream', async () => {
    received.length = 0;
    const payloads = Array.from({ length: 300 }, (_, i) => `cut-${i}`);
    const before = await relayingBackend();
    for (const [i, p] of payloads.entries()) {
      if (i === 100) await query('SELECT pg_terminate_backend($1)', [before]);
      await commitOn(replicas[i % 2], p);
    }
    await eventually(() => (firstSeen().length >= payloads.length ? true : undefined), 15000);
    expect(firstSeen()).toEqual(payloads);
    // A message published but not yet deleted when the connection went is published again (at
    // least once); anything more would be a second relay at work.
    expect(received.length - payloads.length).toBeLessThanOrEqual(5);
  });

  it('hands over when the relaying replica stops', async () => {
    received.length = 0;
    await eventually(() => (replicas.some((r) => r.get(OutboxRelay).relaying) ? true : undefined), 10000);
    const leader = replicas.find((r) => r.get(OutboxRelay).relaying)!;
    const survivor = replicas.find((r) => r !== leader)!;
    expect(survivor.get(OutboxRelay).relaying).toBe(false);
    await leader.close();
    await commitOn(survivor, 'after-stop');
    await eventually(() => (received.includes('after-stop') ? true : undefined), 10000);
    expect(survivor.get(OutboxRelay).relaying).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual(['after-stop']);
  });
});
