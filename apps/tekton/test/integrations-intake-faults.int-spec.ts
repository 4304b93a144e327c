import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { NatsClient, NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { OutboxService, PersistenceModule, postgresOptions } from '@kaa/persistence';
import { cdtp, configUpdatedCodec } from '@kaa/protocols';
import { dropSchema, eventually, NatsServerProcess, outboxDrained, query, testDatabaseUrl, uniqueName } from '@kaa/testing';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { INTAKE_STREAM } from '../src/integrations/messaging/intake-stream.js';
import { startTekton, type Tekton } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAULTS = ['SIGTERM', 'SIGKILL', 'hang', 'SIGKILL', 'hang', 'SIGTERM'] as const;

/** Another service announcing endpoint config changes through its own outbox (as ECR does). */
async function producer(schema: string, natsUrl: string): Promise<INestApplicationContext> {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'test', instance: schema, replicaId: 'r1', level: 'silent' }),
      NatsModule.forRoot({ servers: natsUrl, instanceName: schema, replicaId: 'r1', service: 'test' }),
      PersistenceModule.forRoot({
        dataSource: postgresOptions({ url: testDatabaseUrl(), schema, entities: [], migrations: [], applicationName: 'intake-faults-producer' }),
        migrate: true,
      }),
    ],
  })
  class ProducerModule {}
  const app = await NestFactory.createApplicationContext(ProducerModule, { logger: false });
  await app.init();
  return app;
}

describe('integrations intake while NATS is stopped, killed and hung', () => {
  const ecrInstance = uniqueName('ecr-intake');
  let nats: NatsServerProcess;
  let tekton: Tekton;
  let ecr: INestApplicationContext;

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ trace: true });
    tekton = await startTekton({ natsUrl: nats.url });
    ecr = await producer(ecrInstance, nats.url);
  });

  afterAll(async () => {
    await ecr?.close();
    await tekton?.close();
    await nats?.dispose();
    await dropSchema(ecrInstance);
  });

  /**
   * The producer's outbox backlog lands at NATS the moment the producer is back, typically while
   * tekton's own connection is still being re-established: the intake stream keeps it, and the
   * durable consumer hands it to tekton once it is back (duplicates allowed, losses not).
   */
  it('records every ConfigUpdated another service committed to NATS, across NATS restarts', async () => {
    const committed: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const configId = `cfg-${n}`;
        const payload = configUpdatedCodec.encode({
          correlationId: configId,
          timestamp: Date.now(),
          appVersionName: 'kettle-v1',
          endpointId: `ep-${n % 4}`,
          configId,
          contentType: 'application/json',
          content: Buffer.from('{}'),
          originatorReplicaId: 'r1',
        });
        await ecr.get(DataSource).transaction((manager) => ecr.get(OutboxService).enqueue(manager, [{ subject: cdtp.configUpdated(ecrInstance), payload }]));
        committed.push(configId);
        await sleep(5);
      }
    })();
    const nc = ecr.get(NatsClient);
    for (const fault of FAULTS) {
      await eventually(() => (nc.connectionIdentity() ? true : undefined), 10000, 5);
      await sleep(20 + Math.floor(Math.random() * 300));
      await nats.strike(fault);
    }
    writing = false;
    await writer;
    await outboxDrained(ecrInstance);
    await nats.traceCaughtUp();
    const atServer = new Set(nats.receivedPayloads().flatMap((p) => [...p.matchAll(/cfg-\d+/g)].map((m) => m[0])));
    const recordedIds = async () =>
      new Set(
        (await query<{ config_id: string }>(
          `SELECT payload->'data'->>'configId' AS config_id FROM "${tekton.instance}".integration_event WHERE type = 'endpoint-config.updated'`,
        )).map((r) => r.config_id),
      );
    // Whatever was delivered but not acknowledged when NATS went down comes again after the ack wait (10 s).
    let recorded = new Set<string>();
    await eventually(async () => {
      recorded = await recordedIds();
      return [...atServer].every((id) => recorded.has(id)) ? true : undefined;
    }, 45000, 200).catch(() => undefined);
    const lostAtServer = committed.filter((id) => !atServer.has(id));
    const inStream = await storedInIntakeStream(nats.url, cdtp.configUpdated(ecrInstance));
    const notRecorded = [...inStream].filter((id) => !recorded.has(id));
    // A core publish is confirmed by the server's PONG before JetStream stores it (the stream's
    // ingestion queue): a SIGKILL in between loses it for every stream. What tekton controls is
    // that everything its stream holds is recorded; the window is counted (see issue 13).
    const notStored = [...atServer].filter((id) => !inStream.has(id));
    console.log(
      `intake faults: ${JSON.stringify({ changes: committed.length, atServer: atServer.size, lostAtServer: lostAtServer.length, inStream: inStream.size, notStoredAfterPong: notStored.length, recorded: recorded.size, notRecorded: notRecorded.length, restarts: FAULTS.length })}`,
    );
    expect(committed.length).toBeGreaterThan(FAULTS.length * 10);
    expect(lostAtServer.slice(0, 10)).toEqual([]);
    expect(inStream.size).toBeGreaterThan(committed.length * 0.9);
    expect(notRecorded.slice(0, 10)).toEqual([]);
  }, 180_000);
});

/** The config ids of the intake stream's messages on `subject`, read back from the stream itself. */
async function storedInIntakeStream(url: string, subject: string): Promise<Set<string>> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const ids = new Set<string>();
    const { state } = await jsm.streams.info(INTAKE_STREAM);
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const stored = await jsm.streams.getMessage(INTAKE_STREAM, { seq }).catch(() => undefined);
      if (stored?.subject !== subject) continue;
      for (const match of Buffer.from(stored.data).toString('latin1').matchAll(/cfg-\d+/g)) ids.add(match[0]);
    }
    return ids;
  } finally {
    await nc.close();
  }
}
