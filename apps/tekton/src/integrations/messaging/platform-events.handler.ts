import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { NatsClient, NatsHeaders, type HandlerOutcome } from '@kaa/nats';
import { LOGGER, MetricsService, runWithCorrelation, type Logger } from '@kaa/observability';
import { cdtp, elce, ProtocolError, scmp, watch } from '@kaa/protocols';
import { isUnstorableMessage } from '@kaa/server';
import { EventRecorder } from '../events/event-recorder.service.js';
import { INTEGRATIONS_OPTIONS, type IntegrationsOptions } from '../integrations.options.js';
import { ensureIntakeStream, INTAKE_STREAM, intakeDurableName } from './intake-stream.js';
import { normalise, type SourceKind } from './normalize.js';

/** What the intake reads of a message. */
export interface IntakeMessage {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
}

/** Unacknowledged deliveries come again after this long (a replica that died mid-message). */
const ACK_WAIT_MS = 10_000;
/** A message whose recording failed (Postgres down) comes again after this long. */
const RETRY_MS = 1000;
const BIND_RETRY_MS = 2000;
/**
 * Messages recorded at once. Each is acked on its own commit, and events carry no order among
 * themselves, so a burst (a fleet's lifecycle events) is recorded in parallel, not one by one.
 */
const INTAKE_CONCURRENCY = 32;
/** How often watcher streams created after the start are looked for. */
const WATCH_DISCOVERY_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records the platform's events from any originator, durably: they are read from JetStream
 * through a durable consumer of this instance (replicas share it, so each message is recorded
 * by one of them), acknowledged only once the event row is committed, and redelivered when
 * recording failed or the replica died before acknowledging. Redelivery is harmless: the event id
 * is derived from the message. The intake stream ({@link INTAKE_STREAM}) keeps 17/SCMP, 6/CDTP
 * and 9/ELCE subjects; watch events already sit in each watcher's own stream, which is read the
 * same way. Messages carrying `Kaa-Produced-By` are stored but never matched. Tekton's own
 * notices are skipped by their subject (broadcasts) or their `Kaa-Originator-Instance` header
 * (targeted), without a query: its changes are recorded in the change's own statement.
 */
@Injectable()
export class PlatformEventsHandler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly durable: string;
  private readonly loops = new Map<string, Promise<void>>();
  private readonly messages = new Set<ConsumerMessages>();
  private discovery?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly nats: NatsClient,
    private readonly recorder: EventRecorder,
    private readonly metrics: MetricsService,
    @Inject(INTEGRATIONS_OPTIONS) private readonly options: IntegrationsOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.durable = intakeDurableName(options.instanceName);
  }

  static sources(): [SourceKind, string][] {
    return [
      ['scmp-broadcast', scmp.patterns.broadcast()],
      ['scmp-targeted', scmp.patterns.targeted('*')],
      ['cdtp-updated', cdtp.patterns.configUpdated()],
      ['cdtp-applied', cdtp.patterns.configApplied()],
      ['elce', elce.patterns.lifecycle()],
      ['watch', watch.patterns.changed()],
    ];
  }

  /** Subjects of the intake stream: all sources but watch events (stored by the watchers' streams). */
  static streamSubjects(): string[] {
    return PlatformEventsHandler.sources()
      .filter(([kind]) => kind !== 'watch')
      .map(([, pattern]) => pattern);
  }

  /**
   * The first binding is awaited: what is published once tekton has started is kept for it. If
   * JetStream cannot be reached now, binding is retried in the background.
   */
  async onApplicationBootstrap() {
    const { intake } = this.options;
    await this.consume(INTAKE_STREAM, async () => ensureIntakeStream(await this.nats.jetstreamManager(), PlatformEventsHandler.streamSubjects(), intake));
    await this.discoverWatchStreams();
    this.discovery = setInterval(() => void this.discoverWatchStreams(), WATCH_DISCOVERY_MS);
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    clearInterval(this.discovery);
    for (const messages of this.messages) messages.stop();
    await Promise.all(this.loops.values());
  }

  /** Watcher streams holding watch events, each read through this instance's durable consumer. */
  private async discoverWatchStreams() {
    try {
      const jsm = await this.nats.jetstreamManager();
      for await (const stream of jsm.streams.names(watch.patterns.changed())) {
        if (!this.stopped && stream !== INTAKE_STREAM && !this.loops.has(stream)) await this.consume(stream);
      }
    } catch (error) {
      this.logger.debug({ err: (error as Error).message }, 'integrations: watcher streams not listed; will look again');
    }
  }

  /** Starts reading `stream`; resolves after the first binding attempt. */
  private consume(stream: string, prepare?: () => Promise<void>): Promise<void> {
    let attempted!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
    const loop = (async () => {
      while (!this.stopped) {
        let messages: ConsumerMessages | undefined;
        try {
          await prepare?.();
          messages = await this.bind(stream);
          attempted();
          this.logger.info({ stream, durable: this.durable }, 'integrations: intake bound');
          await this.processAll(messages);
        } catch (error) {
          attempted();
          if (this.stopped) break;
          this.logger.warn({ err: (error as Error).message, stream, durable: this.durable }, 'integrations: intake cannot bind yet, retrying');
        } finally {
          if (messages) this.messages.delete(messages);
        }
        if (!this.stopped) await sleep(BIND_RETRY_MS);
      }
    })();
    this.loops.set(stream, loop);
    return firstAttempt;
  }

  private async bind(stream: string): Promise<ConsumerMessages> {
    const jsm = await this.nats.jetstreamManager();
    try {
      await jsm.consumers.info(stream, this.durable);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
      await jsm.consumers.add(stream, {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        // A new instance starts with what is published from now on, not the stream's history.
        deliver_policy: DeliverPolicy.New,
        ack_wait: ACK_WAIT_MS * 1_000_000,
        max_deliver: -1,
        // An instance gone for longer than the stream keeps messages has lost them anyway.
        inactive_threshold: this.options.intake.maxAgeSeconds * 1_000_000_000,
      });
    }
    const consumer = await this.nats.jetstream().consumers.get(stream, this.durable);
    const messages = await consumer.consume({ max_messages: 64 });
    this.messages.add(messages);
    if (this.stopped) messages.stop();
    return messages;
  }

  private async processAll(messages: ConsumerMessages) {
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const msg of messages) {
        const processing: Promise<void> = this.process(msg).finally(() => inFlight.delete(processing));
        inFlight.add(processing);
        if (inFlight.size >= INTAKE_CONCURRENCY) await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  /** Ack once the event is committed; nak (redelivered after RETRY_MS) when recording failed. */
  private async process(msg: JsMsg) {
    const source = PlatformEventsHandler.sources().find(([, pattern]) => subjectMatches(pattern, msg.subject));
    if (!source) {
      msg.term('not a subject the integrations read');
      return;
    }
    const [kind, pattern] = source;
    const correlationId = msg.headers?.get(NatsHeaders.correlationId) || undefined;
    await runWithCorrelation(correlationId, async () => {
      try {
        const outcome = (await this.handle(kind, pattern, msg)) || 'ok';
        msg.ack();
        this.metrics.natsMessage(pattern, 'in', outcome);
      } catch (error) {
        this.metrics.natsMessage(pattern, 'in', 'error');
        this.logger.warn({ err: (error as Error).message, subject: msg.subject, deliveryCount: msg.info.deliveryCount }, 'integrations: event not recorded, will redeliver');
        msg.nak(RETRY_MS);
      }
    });
  }

  /** Records one message; throws when it could not be recorded (it is then redelivered). */
  async handle(kind: SourceKind, pattern: string, msg: IntakeMessage): Promise<HandlerOutcome> {
    let normalised;
    try {
      normalised = normalise(kind, msg.subject, msg.data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.metrics.decodeFailures.inc({ subject: pattern });
      this.logger.warn({ subject: msg.subject, err: error.message }, 'integrations: undecodable event ignored');
      return 'decode_error';
    }
    if (isUnstorableMessage(normalised, `${kind} event`, msg.subject, this.metrics, this.logger)) return 'rejected';
    if (kind === 'scmp-broadcast' && normalised.instance === this.options.instanceName) return 'ignored';
    if (kind === 'scmp-targeted' && msg.headers?.get(NatsHeaders.originatorInstance) === this.options.instanceName) return 'ignored';
    const producedBy = msg.headers?.get(NatsHeaders.producedBy) || undefined;
    await this.recorder.recordExternal([normalised.event], { producedBy, correlationId: normalised.correlationId });
    return producedBy ? 'ignored' : 'ok';
  }
}

/** NATS subject matching: `*` is one token, a trailing `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
