import type { DataSource } from 'typeorm';
import type { Logger } from '@kaa/observability';
import { PgListener } from './pg-listener.js';

export interface NotifiedLoopOptions {
  dataSource: DataSource;
  /** Postgres NOTIFY channel that wakes the loop (sent inside the writing transaction). */
  channel: string;
  /** For logs and the LISTEN connection's application_name. */
  name: string;
  logger: Logger;
  /** One round of work; the loop never runs two rounds at once. */
  work: () => Promise<void>;
  /** Delay before the next timed round (also the fallback when NOTIFY is lost). */
  nextDelayMs: () => number;
  /** Sees each notification's payload before the round it wakes. */
  onNotification?: (payload: string | undefined) => void;
  /** LISTEN is in place on a new connection (see PgListener); a round follows. */
  onListening?: (afterOutage: boolean) => void;
  /** The LISTEN connection is gone (see PgListener). */
  onLost?: () => void;
  /** See PgListener; 0 (the default) disables the probe. */
  probeIntervalMs?: number;
}

/**
 * Runs `work` when a committed transaction notifies the channel, when kicked, and on a timer;
 * a kick during a round schedules one more round. The LISTEN connection reconnects by itself;
 * until then the timer keeps the work going.
 */
export class NotifiedLoop {
  private readonly listener: PgListener;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: NotifiedLoopOptions) {
    const { dataSource, channel, name, logger, probeIntervalMs } = options;
    this.listener = new PgListener({
      dataSource,
      channel,
      name,
      logger,
      probeIntervalMs,
      onNotification: (payload) => {
        options.onNotification?.(payload);
        void this.kick();
      },
      // Notices may have been missed while not listening.
      onListening: (afterOutage) => {
        options.onListening?.(afterOutage);
        if (afterOutage) void this.kick();
      },
      onLost: options.onLost,
    });
  }

  /** Runs a statement on the LISTEN connection (see PgListener.query). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    return this.listener.query<R>(sql, params);
  }

  async start(): Promise<void> {
    await this.listener.start();
    this.schedule(0);
  }

  /** Stops the rounds; `beforeClose` runs after the last round, while the connection is still open. */
  async stop(beforeClose?: () => Promise<void>): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queued;
    await this.running;
    await beforeClose?.();
    await this.listener.stop();
  }

  /**
   * Runs a round now; during a round, one more round follows it (the running one may have read
   * before the caller's change). Resolves when the round that covers the caller is done.
   */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) return this.startRound();
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.stopped ? undefined : this.startRound();
    });
    return this.queued;
  }

  private startRound(): Promise<void> {
    const round: Promise<void> = this.options
      .work()
      .catch((error: Error) => this.options.logger.error({ err: error.message }, `${this.options.name}: round failed`))
      .finally(() => {
        if (this.running === round) this.running = undefined;
      });
    this.running = round;
    return round;
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.kick().finally(() => this.schedule(this.options.nextDelayMs()));
    }, ms);
    this.timer.unref();
  }
}
