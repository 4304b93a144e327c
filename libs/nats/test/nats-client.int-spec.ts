import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect } from '@nats-io/transport-node';
import { MetricsService, ObservabilityModule } from '@kaa/observability';
import { NatsServerProcess, eventually, testNatsUrl, uniqueName } from '@kaa/testing';
import { NatsClient, NatsModule } from '../src/index.js';

async function replica(instanceName: string, replicaId: string, servers = testNatsUrl()): Promise<INestApplicationContext> {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'test', instance: instanceName, replicaId, level: 'silent' }),
      NatsModule.forRoot({ servers, instanceName, replicaId, service: 'test' }),
    ],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
  await app.init();
  return app;
}

describe('NatsClient', () => {
  it('shares work among the replicas of one instance, and each instance gets every message', async () => {
    const subject = uniqueName('work').replace(/-/g, '_');
    const a = uniqueName('svc');
    const b = uniqueName('svc');
    const apps = await Promise.all([replica(a, 'a1'), replica(a, 'a2'), replica(b, 'b1')]);
    try {
      const counts = new Map<string, number>();
      for (const app of apps) {
        const client = app.get(NatsClient);
        client.subscribe(subject, () => {
          counts.set(client.replicaId, (counts.get(client.replicaId) ?? 0) + 1);
        }, { queue: true });
        await client.flush();
      }
      const publisher = apps[0].get(NatsClient);
      for (let i = 0; i < 50; i++) publisher.publish(subject, new Uint8Array([i]));
      await eventually(() => ((counts.get('a1') ?? 0) + (counts.get('a2') ?? 0) === 50 && counts.get('b1') === 50 ? true : undefined));
      await new Promise((r) => setTimeout(r, 100));
      expect((counts.get('a1') ?? 0) + (counts.get('a2') ?? 0)).toBe(50);
      expect(counts.get('b1')).toBe(50);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('replies on the exact reply subject the requester chose', async () => {
    const app = await replica(uniqueName('svc'), 'r1');
    const client = app.get(NatsClient);
    const requester = await connect({ servers: testNatsUrl() });
    try {
      const subject = uniqueName('req').replace(/-/g, '_');
      const replyTo = `${subject}.replica.r9.response`;
      client.subscribe(subject, (msg) => msg.respond(new TextEncoder().encode(`re:${new TextDecoder().decode(msg.data)}`)), { queue: true });
      await client.flush();
      const sub = requester.subscribe(replyTo, { max: 1 });
      requester.publish(subject, new TextEncoder().encode('ping'), { reply: replyTo });
      for await (const reply of sub) {
        expect(reply.subject).toBe(replyTo);
        expect(new TextDecoder().decode(reply.data)).toBe('re:ping');
      }
    } finally {
      await requester.close();
      await app.close();
    }
  });

  it('lets a running handler reply when the service shuts down', async () => {
    const app = await replica(uniqueName('svc'), 'r1');
    const client = app.get(NatsClient);
    const requester = await connect({ servers: testNatsUrl() });
    try {
      const subject = uniqueName('slow').replace(/-/g, '_');
      let started!: () => void;
      const handling = new Promise<void>((r) => (started = r));
      client.subscribe(subject, async (msg) => {
        started();
        await new Promise((r) => setTimeout(r, 300));
        msg.respond(new TextEncoder().encode('done'));
      }, { queue: true });
      await client.flush();
      const reply = requester.request(subject, new Uint8Array(), { timeout: 5000 });
      await handling;
      await app.close();
      expect(new TextDecoder().decode((await reply).data)).toBe('done');
    } finally {
      await requester.close();
    }
  });

  it('survives a throwing handler and counts it', async () => {
    const app = await replica(uniqueName('svc'), 'r1');
    const client = app.get(NatsClient);
    try {
      const subject = uniqueName('boom').replace(/-/g, '_');
      const seen: number[] = [];
      client.subscribe(subject, (msg) => {
        seen.push(msg.data[0]);
        if (msg.data[0] === 1) throw new Error('handler bug');
      });
      await client.flush();
      for (const i of [1, 2, 3]) client.publish(subject, new Uint8Array([i]));
      await eventually(() => (seen.length === 3 ? true : undefined));
      const metrics = await app.get(MetricsService).registry.getSingleMetricAsString('nats_messages_total');
      expect(metrics).toMatch(new RegExp(`subject="${subject}",direction="in",outcome="error"[^\\n]* 1`));
    } finally {
      await app.close();
    }
  });

  it('signals a reconnect so services can re-sync, and resubscribes', async () => {
    const server = await NatsServerProcess.start();
    const app = await replica(uniqueName('svc'), 'r1', server.url);
    const client = app.get(NatsClient);
    try {
      let reconnects = 0;
      client.onReconnect(() => {
        reconnects++;
      });
      const got: number[] = [];
      client.subscribe('probe', (msg) => {
        got.push(msg.data[0]);
      });
      await server.stop();
      await eventually(() => (!client.isConnected() ? true : undefined));
      await server.resume();
      await eventually(() => (reconnects === 1 ? true : undefined), 10000);
      const other = await connect({ servers: server.url });
      await eventually(async () => {
        other.publish('probe', new Uint8Array([7]));
        await other.flush();
        return got.includes(7) ? true : undefined;
      });
      await other.close();
    } finally {
      await app.close();
      await server.stop();
    }
  });
});
