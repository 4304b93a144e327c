import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, type ConsumerInfo, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { NatsClient } from '@kaa/nats';
import { LOGGER, MetricsService, runWithCorrelation, type Logger, type NatsOutcome } from '@kaa/observability';
import { isExpired, ProtocolDecodeError, watch, watchEventCodec, type WatchEvent } from '@kaa/protocols';
import { assertName, watchStreamName, WatchListenerConfigError } from './names.js';
import { WatchEventHandler } from './watch-event.handler.js';
import { WATCH_LISTENER_OPTIONS, type WatchListenerOptions } from './watch-listener.options.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pulls the component's watch events through a durable JetStream consumer: ack after the handler
 * resolved, nak (with delay) when it threw, term for undecodable payloads and failed verification.
 */
@Injectable()
export class WatchEventConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly stream: string;
  readonly subject: string;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopped = false;
  private markReady!: () => void;
  private markFailed!: (error: Error) => void;
  private readonly readyPromise = new Promise<void>((resolve, reject) => {
    this.markReady = resolve;
    this.markFailed = reject;
  });

  constructor(
    @Inject(WATCH_LISTENER_OPTIONS) private readonly options: WatchListenerOptions,
    private readonly handler: WatchEventHandler,
    private readonly nats: NatsClient,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
  ) {
    // Nobody has to ask ready(): a configuration failure is logged, never an unhandled rejection.
    this.readyPromise.catch(() => undefined);
    this.stream = watchStreamName(options.watcherInstance);
    assertName('durable name', options.durableName);
    try {
      this.subject = watch.changed(options.watcherInstance, options.component);
    } catch (error) {
      throw new WatchListenerConfigError(`component ${JSON.stringify(options.component)}: ${(error as Error).message}`);
    }
  }

  /**
   * Resolves once the durable consumer is bound and pulling; rejects with a
   * {@link WatchListenerConfigError} when binding can never succeed (nothing is retried then).
   */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  onApplicationBootstrap() {
    this.loop = this.run();
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
  }

  private async run() {
    while (!this.stopped) {
      try {
        await this.bind();
        if (this.stopped) break;
        this.markReady();
        this.logger.info({ stream: this.stream, durable: this.options.durableName, subject: this.subject }, 'watch listener bound');
        const messages = this.messages;
        if (!messages) continue;
        for await (const msg of messages) await this.process(msg);
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof WatchListenerConfigError) {
          this.logger.error({ err: error.message, stream: this.stream, durable: this.options.durableName }, 'watch listener misconfigured; not retrying');
          this.markFailed(error);
          break;
        }
        this.logger.warn({ err: (error as Error).message, stream: this.stream, durable: this.options.durableName }, 'watch listener cannot bind yet, retrying');
        await sleep(this.options.bindRetryMs ?? 2000);
      }
    }
  }

  private async bind() {
    const jsm = await this.nats.jetstreamManager();
    const config = {
      durable_name: this.options.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.subject,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      max_deliver: this.options.maxDeliver ?? -1,
    };
    let existing: ConsumerInfo | undefined;
    try {
      existing = await jsm.consumers.info(this.stream, this.options.durableName);
    } catch (error) {
      // A missing stream (the watcher has not started yet) or NATS trouble: retried by the caller.
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
    }
    if (existing) {
      this.assertSameFilter(existing);
      await jsm.consumers.update(this.stream, this.options.durableName, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
    } else {
      await jsm.consumers.add(this.stream, config);
    }
    const consumer = await this.nats.jetstream().consumers.get(this.stream, this.options.durableName);
    this.messages = await consumer.consume({ max_messages: 64 });
  }

  /** A durable name reused by another component would silently deliver that component's events here. */
  private assertSameFilter(existing: ConsumerInfo) {
    const filters = existing.config.filter_subjects?.length ? existing.config.filter_subjects : [existing.config.filter_subject ?? ''];
    if (filters.length === 1 && filters[0] === this.subject) return;
    throw new WatchListenerConfigError(
      `durable consumer ${JSON.stringify(this.options.durableName)} on stream ${this.stream} already exists with filter ${JSON.stringify(filters.join(', ') || '(none)')}, ` +
        `not ${JSON.stringify(this.subject)}: another component uses this durable name; choose a durableName of your own (or delete the old consumer)`,
    );
  }

  private async process(msg: JsMsg) {
    let event: WatchEvent;
    try {
      event = watchEventCodec.decode(msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      this.metrics.decodeFailures.inc({ subject: this.subject });
      this.record('decode_error');
      this.logger.error({ err: error.message, seq: msg.seq }, 'undecodable watch event terminated');
      msg.term('undecodable WatchEvent');
      return;
    }
    await runWithCorrelation(event.correlationId, async () => {
      if (isExpired(event)) {
        this.record('expired');
        msg.term('expired');
        return;
      }
      try {
        if (this.options.verify && !(await this.options.verify(event))) {
          this.record('rejected');
          this.logger.warn({ runtimeId: event.runtimeId, eventId: event.eventId }, 'watch event failed verification, dropped');
          msg.term('verification failed');
          return;
        }
        await this.handler.handle(event, { subject: msg.subject, deliveryCount: msg.info.deliveryCount, streamSequence: msg.seq });
        msg.ack();
        this.record('ok');
      } catch (error) {
        this.record('error');
        this.logger.error({ err: (error as Error).message, eventId: event.eventId, deliveryCount: msg.info.deliveryCount }, 'watch event handler failed, will redeliver');
        msg.nak(this.options.retryDelayMs ?? 1000);
      }
    });
  }

  private record(outcome: NatsOutcome) {
    this.metrics.natsMessage(this.subject, 'in', outcome);
  }
}
