import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { HealthRegistry, LOGGER, MetricsService, runWithCorrelation, type Logger, type NatsOutcome } from '@kaa/observability';
import { natsAuthOptions } from './nats-credentials.js';
import { NATS_OPTIONS, NatsHeaders, type NatsModuleOptions } from './nats.options.js';

export interface InboundMessage {
  subject: string;
  data: Uint8Array;
  reply?: string;
  headers?: MsgHdrs;
  /** Replies on the message's own reply subject (NATS request/reply). */
  respond(data: Uint8Array): void;
}

/** What a handler reports so metrics say how each message ended. */
export type HandlerOutcome = NatsOutcome | void;

export interface SubscribeOptions {
  /** `true`: the instance's queue group (replicas share the work); a string: that group; absent: every replica gets it. */
  queue?: true | string;
  /** Subject pattern for metric labels (defaults to the subject). */
  metricSubject?: string;
}

type Listener = () => void | Promise<void>;

declare const connectionBrand: unique symbol;
/**
 * Which server connection publishes go out on (see NatsClient.connectionIdentity). Opaque: only
 * compared for identity.
 */
export type NatsConnectionIdentity = { readonly [connectionBrand]: true };

/**
 * One NATS connection per process. Handlers are isolated: an exception is logged and counted,
 * never thrown into the client. Subscriptions made before a reconnect survive it (the client
 * resubscribes); `onReconnect` listeners re-sync state that notices may have missed.
 */
@Injectable()
export class NatsClient implements OnModuleInit, BeforeApplicationShutdown {
  private connection?: NatsConnection;
  private readonly reconnectListeners = new Set<Listener>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly inFlight = new Set<Promise<void>>();
  private connected = false;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;

  constructor(
    @Inject(NATS_OPTIONS) readonly options: NatsModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
    private readonly health: HealthRegistry,
  ) {}

  get instanceName() {
    return this.options.instanceName;
  }

  get replicaId() {
    return this.options.replicaId;
  }

  get nc(): NatsConnection {
    if (!this.connection) throw new Error('NATS is not connected yet');
    return this.connection;
  }

  isConnected() {
    return this.connected && !!this.connection && !this.connection.isClosed();
  }

  async onModuleInit() {
    this.logger.info({ servers: this.options.servers }, 'connecting to NATS');
    this.connection = await connect({
      ...(await natsAuthOptions(this.options.credentials)),
      servers: this.options.servers.split(',').map((s) => s.trim()),
      name: `${this.options.service}:${this.options.instanceName}:${this.options.replicaId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
      pingInterval: 10_000,
    });
    this.connected = true;
    this.logger.info({ server: this.connection.getServer() }, 'connected to NATS');
    this.health.register({ name: 'nats', check: () => this.check() });
    void this.watchStatus(this.connection);
  }

  /**
   * Before anything else closes (the data source closes in onApplicationShutdown): stop taking
   * messages, let running handlers finish (they may still reply or publish), then drain the
   * connection.
   */
  async beforeApplicationShutdown() {
    const nc = this.connection;
    if (!nc || nc.isClosed()) return;
    const warn = (error: Error) => this.logger.warn({ err: error.message }, 'NATS drain failed');
    await Promise.all([...this.subscriptions].map((sub) => sub.drain().catch(warn)));
    await Promise.allSettled([...this.inFlight]);
    await nc.drain().catch(warn);
  }

  /** Registers a listener called after every reconnect; returns an unregister function. */
  onReconnect(listener: Listener): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  subscribe(subject: string, handler: (msg: InboundMessage) => Promise<HandlerOutcome> | HandlerOutcome, options: SubscribeOptions = {}): Subscription {
    const queue = options.queue === true ? this.options.instanceName : options.queue;
    const label = options.metricSubject ?? subject;
    const sub = this.nc.subscribe(subject, {
      queue,
      callback: (error, msg) => {
        if (error) {
          this.logger.error({ err: error.message, subject }, 'subscription error');
          return;
        }
        const handling = this.dispatch(label, msg, handler);
        this.inFlight.add(handling);
        void handling.finally(() => this.inFlight.delete(handling));
      },
    });
    this.subscriptions.add(sub);
    void sub.closed.then(() => this.subscriptions.delete(sub));
    return sub;
  }

  publish(subject: string, data: Uint8Array, options: { headers?: Record<string, string>; metricSubject?: string } = {}) {
    this.nc.publish(subject, data, { headers: options.headers ? natsHeadersFrom(options.headers) : undefined });
    this.metrics.natsMessage(options.metricSubject ?? subject, 'out', 'ok');
  }

  /** Resolves once the server has seen everything published so far. */
  async flush(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.nc.flush(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`NATS flush timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The connection a publish made now goes out on, or undefined while there is none (dialling,
   * closed). A new identity per connection: the client clears the server's INFO before dialling
   * (in the same step that discards its unsent buffer and rejects pending flushes) and stores a
   * fresh INFO object once the new server greets it. An INFO update on the same connection also
   * yields a new identity, which only makes publishes look unconfirmed (republished, never lost).
   */
  connectionIdentity(): NatsConnectionIdentity | undefined {
    return (this.connection?.info ?? undefined) as NatsConnectionIdentity | undefined;
  }

  /**
   * Resolves once the server has answered a PING sent after everything published so far on
   * `identity`'s connection: proof that it has those publishes. Rejects when that connection is
   * not the current one before or after the flush (its unsent buffer may have been discarded, or
   * the answer came from another server), or after `timeoutMs` (a hung server).
   */
  async flushOn(identity: NatsConnectionIdentity, timeoutMs = 5000): Promise<void> {
    if (this.connectionIdentity() !== identity) throw new Error('the NATS connection changed before the flush');
    await this.flush(timeoutMs);
    if (this.connectionIdentity() !== identity) throw new Error('the NATS connection changed during the flush');
  }

  jetstream(): JetStreamClient {
    this.js ??= jetstream(this.nc);
    return this.js;
  }

  async jetstreamManager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.nc);
    return this.jsm;
  }

  private async dispatch(label: string, msg: Msg, handler: (msg: InboundMessage) => Promise<HandlerOutcome> | HandlerOutcome) {
    const started = process.hrtime.bigint();
    const correlationId = msg.headers?.get(NatsHeaders.correlationId) || undefined;
    let outcome: NatsOutcome = 'ok';
    await runWithCorrelation(correlationId, async () => {
      try {
        outcome = (await handler({
          subject: msg.subject,
          data: msg.data,
          reply: msg.reply,
          headers: msg.headers,
          respond: (data) => {
            msg.respond(data);
          },
        })) || 'ok';
      } catch (error) {
        outcome = 'error';
        this.logger.error({ err: (error as Error).message, stack: (error as Error).stack, subject: msg.subject }, 'NATS handler failed');
      }
    });
    this.metrics.natsMessage(label, 'in', outcome);
    this.metrics.natsHandlerDuration.observe({ subject: label }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async watchStatus(nc: NatsConnection) {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.connected = false;
          this.logger.warn('NATS disconnected');
          break;
        case 'reconnect':
          this.connected = true;
          this.logger.info('NATS reconnected');
          for (const listener of this.reconnectListeners) {
            void Promise.resolve()
              .then(listener)
              .catch((error: Error) => this.logger.error({ err: error.message }, 'reconnect listener failed'));
          }
          break;
        default:
          break;
      }
    }
  }

  private async check() {
    if (!this.isConnected()) throw new Error('not connected');
    await this.nc.rtt();
  }
}

export function natsHeadersFrom(values: Record<string, string>): MsgHdrs {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(values)) h.set(key, value);
  return h;
}
