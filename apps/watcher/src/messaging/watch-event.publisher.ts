import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError, type StreamConfig } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { NatsClient, NatsHeaders } from '@kaa/nats';
import { LOGGER, type Logger } from '@kaa/observability';
import { watch, watchEventCodec, type WatchEventInput } from '@kaa/protocols';
import { DomainError } from '@kaa/server';
import { watchStreamName } from '@kaa/watch-listener';
import { WATCHER_ENV, type WatcherEnv } from '../config/env.js';
import { JetStreamAcks } from './jetstream-acks.js';
import { WatcherMetrics } from './watcher-metrics.js';

/**
 * Publishes accepted watch events to the instance's JetStream stream and resolves only once
 * JetStream acknowledged them; the message id makes a retried POST a duplicate, not a second event.
 */
@Injectable()
export class WatchEventPublisher implements OnModuleInit, OnApplicationShutdown {
  readonly stream: string;
  private acks?: JetStreamAcks;
  /** Subject per component: built once, not per event (components are few: each has a watcher). */
  private readonly subjects = new Map<string, string>();

  constructor(
    private readonly nats: NatsClient,
    private readonly metrics: WatcherMetrics,
    @Inject(WATCHER_ENV) private readonly env: WatcherEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.stream = watchStreamName(env.SERVICE_INSTANCE_NAME);
  }

  async onModuleInit() {
    const jsm = await this.nats.jetstreamManager();
    const limits = {
      subjects: [watch.patterns.stream(this.env.SERVICE_INSTANCE_NAME)],
      duplicate_window: this.env.WATCH_DUPLICATE_WINDOW_SECONDS * 1_000_000_000,
      max_age: this.env.WATCH_STREAM_MAX_AGE_SECONDS * 1_000_000_000,
    };
    const config: Partial<StreamConfig> & { name: string } = { name: this.stream, ...limits };
    let exists = true;
    try {
      await jsm.streams.info(this.stream);
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
      exists = false;
    }
    if (exists) {
      try {
        await jsm.streams.update(this.stream, limits);
      } catch (error) {
        throw new Error(`cannot update the watch event stream ${this.stream} (subjects, duplicate window, max age): ${(error as Error).message}`, { cause: error });
      }
    } else {
      try {
        await jsm.streams.add(config);
      } catch (addError) {
        // Another replica created it meanwhile.
        await jsm.streams.info(this.stream).catch(() => {
          throw addError;
        });
      }
    }
    this.acks = new JetStreamAcks(this.nats.nc, this.env.JETSTREAM_ACK_TIMEOUT_MS);
    this.logger.info({ stream: this.stream, subjects: config.subjects }, 'watch event stream ready');
  }

  /** After the listener closed and NATS drained: nothing is left to acknowledge. */
  onApplicationShutdown() {
    this.acks?.close();
  }

  /** @returns whether JetStream saw this message id before (a retried POST). */
  async publish(event: WatchEventInput): Promise<{ duplicate: boolean }> {
    const subject = this.subjectOf(event.component);
    const started = process.hrtime.bigint();
    let result = 'ok';
    try {
      if (!this.acks || !this.nats.isConnected()) throw new Error('NATS is not connected');
      const h = headers();
      h.set(NatsHeaders.correlationId, event.correlationId);
      h.set(NatsHeaders.originatorReplicaId, this.nats.replicaId);
      const ack = await this.acks.publish(subject, watchEventCodec.encode(event), event.eventId, h);
      if (ack.duplicate) result = 'duplicate';
      return { duplicate: ack.duplicate };
    } catch (error) {
      result = 'error';
      this.logger.error({ err: (error as Error).message, subject, eventId: event.eventId }, 'JetStream did not acknowledge a watch event');
      throw new DomainError('UNAVAILABLE', `the event could not be stored durably (${(error as Error).message}); retry later`);
    } finally {
      this.metrics.publishDuration.observe({ result }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private subjectOf(component: string): string {
    let subject = this.subjects.get(component);
    if (subject === undefined) {
      if (this.subjects.size >= 10_000) this.subjects.clear();
      subject = watch.changed(this.env.SERVICE_INSTANCE_NAME, component);
      this.subjects.set(component, subject);
    }
    return subject;
  }
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}
