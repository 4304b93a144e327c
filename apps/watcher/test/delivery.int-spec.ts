import { Agent } from 'node:https';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AckPolicy } from '@nats-io/jetstream';
import { NatsClient, NatsModule } from '@kaa/nats';
import { watch } from '@kaa/protocols';
import { ObservabilityModule } from '@kaa/observability';
import { eventually, testNatsUrl, uniqueName } from '@kaa/testing';
import { WatchEventConsumer, WatchEventHandler, WatchListenerConfigError, WatchListenerModule, watchStreamName, type WatchEvent } from '@kaa/watch-listener';
import { cleanUp, eventBody, postEvent, startWatcher, type Credentials, type Watcher } from './support.js';

const COMPONENT = 'inventory';
const PATH = `/v2/${COMPONENT}/event`;

/** What the consuming service saw, across its restarts. */
const seen: WatchEvent[] = [];
let failNext = 0;

@Injectable()
class RecordingHandler extends WatchEventHandler {
  handle(event: WatchEvent) {
    if (failNext > 0) {
      failNext--;
      throw new Error('handler failed on purpose');
    }
    seen.push(event);
  }
}

async function startConsumer(watcherInstance: string, durableName: string, verify?: (e: WatchEvent) => boolean, awaitReady = true): Promise<INestApplicationContext> {
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'consumer', instance: 'consumer', replicaId: 'c1', level: 'warn' }),
      NatsModule.forRoot({ servers: testNatsUrl(), instanceName: 'consumer', replicaId: 'c1', service: 'consumer' }),
      WatchListenerModule.forRoot({ watcherInstance, component: COMPONENT, durableName, handler: RecordingHandler, verify, retryDelayMs: 50 }),
    ],
  })
  class ConsumerModule {}
  const ctx = await NestFactory.createApplicationContext(ConsumerModule, { logger: false });
  await ctx.init();
  if (awaitReady) await ctx.get(WatchEventConsumer).ready();
  return ctx;
}

describe('durable delivery through JetStream and @kaa/watch-listener', () => {
  let sut: Watcher;
  let runtime: Credentials;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  beforeAll(async () => {
    sut = await startWatcher();
    runtime = await sut.register('rt-delivery', 'delivery.example.com');
    const created = await sut.api('POST', '/watchers', {
      component: COMPONENT,
      resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
      field: 'status',
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    agent.destroy();
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  beforeEach(() => {
    seen.length = 0;
    failNext = 0;
  });

  const post = (name: string) => postEvent(sut.listenerUrl, PATH, { ca: runtime.caBundle, credentials: runtime, body: eventBody(name), agent });

  it('delivers all 1,000 events accepted while the consumer was stopped, once each', async () => {
    const durable = uniqueName('durable').replace(/-/g, '_');
    const first = await startConsumer(sut.instance, durable);
    await first.close();

    const names = Array.from({ length: 1000 }, (_, i) => `obj-${i}`);
    const statuses: number[] = [];
    for (let i = 0; i < names.length; i += 16) {
      const batch = await Promise.all(names.slice(i, i + 16).map(post));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const second = await startConsumer(sut.instance, durable);
    try {
      await eventually(() => (seen.length >= 1000 ? true : undefined), 30_000);
      const info = await eventually(async () => {
        const jsm = await second.get(NatsClient).jetstreamManager();
        const i = await jsm.consumers.info(second.get(WatchEventConsumer).stream, durable);
        return i.num_pending === 0 && i.num_ack_pending === 0 ? i : undefined;
      });
      expect(info.num_redelivered).toBe(0);
      expect(seen).toHaveLength(1000);
      expect(new Set(seen.map((e) => e.watchedName))).toEqual(new Set(names));
    } finally {
      await second.close();
    }
  }, 60_000);

  it('delivers a POST retried with the same body once', async () => {
    const ctx = await startConsumer(sut.instance, uniqueName('retry').replace(/-/g, '_'));
    try {
      const original = await post('retried');
      const retry = await post('retried');
      expect(original.status).toBe(200);
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ eventId: original.body.eventId, duplicate: true });
      expect((await post('after-retry')).status).toBe(200);
      await eventually(() => (seen.some((e) => e.watchedName === 'after-retry') ? true : undefined));
      expect(seen.filter((e) => e.watchedName === 'retried')).toHaveLength(1);
    } finally {
      await ctx.close();
    }
  });

  it('redelivers when the handler throws and drops what verify refuses', async () => {
    const ctx = await startConsumer(sut.instance, uniqueName('redeliver').replace(/-/g, '_'), (e) => e.watchedName !== 'unverified');
    try {
      failNext = 1;
      expect((await post('flaky')).status).toBe(200);
      expect((await post('unverified')).status).toBe(200);
      expect((await post('last')).status).toBe(200);
      await eventually(() => (seen.some((e) => e.watchedName === 'last') && seen.some((e) => e.watchedName === 'flaky') ? true : undefined));
      const names = seen.map((e) => e.watchedName);
      expect(names.filter((n) => n === 'flaky')).toHaveLength(1);
      expect(names).not.toContain('unverified');
    } finally {
      await ctx.close();
    }
  });

  it('refuses, without retrying, a durable name that another component\'s consumer already uses', async () => {
    const durable = uniqueName('shared').replace(/-/g, '_');
    const jsm = await sut.app.get(NatsClient).jetstreamManager();
    const stream = watchStreamName(sut.instance);
    const otherFilter = watch.changed(sut.instance, 'other-component');
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: otherFilter });
    const ctx = await startConsumer(sut.instance, durable, undefined, false);
    try {
      await expect(ctx.get(WatchEventConsumer).ready()).rejects.toThrow(WatchListenerConfigError);
      await expect(ctx.get(WatchEventConsumer).ready()).rejects.toThrow(/already exists with filter .*other-component.*another component uses this durable name/);
      // The other component's consumer is left as it was.
      expect((await jsm.consumers.info(stream, durable)).config.filter_subject).toBe(otherFilter);
    } finally {
      await ctx.close();
      await jsm.consumers.delete(stream, durable).catch(() => undefined);
    }
  });
});
