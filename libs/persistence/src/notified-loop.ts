import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from '@kaa/observability';
import { quoteIdent } from './data-source.js';

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
}

/**
 * Runs `work` when a committed transaction notifies the channel, when kicked, and on a timer;
 * a kick during a round schedules one more round. The LISTEN connection reconnects by itself;
 * until then the timer keeps the work going.
 */
export class NotifiedLoop {
  private listener?: pg.Client;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private stopped = false;
  private listenFailures = 0;

  constructor(private readonly options: NotifiedLoopOptions) {}

  async start(): Promise<void> {
    await this.listen().catch((error: Error) => this.listenFailed(error));
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queued;
    await this.running;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
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

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const { url } = this.options.dataSource.options as { url?: string };
    const client = new pg.Client({ connectionString: url, application_name: this.options.name });
    client.on('notification', () => void this.kick());
    client.on('error', (error) => {
      if (this.stopped || this.listener !== client) return;
      this.listener = undefined;
      void client.end().catch(() => undefined);
      this.listenFailed(error);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    if (this.listenFailures > 0) void this.kick(); // notices may have been missed meanwhile
    this.listenFailures = 0;
  }

  /** Polls meanwhile, and tries to LISTEN again with backoff until it works or the loop stops. */
  private listenFailed(error: Error) {
    if (this.stopped) return;
    const delay = Math.min(30_000, 500 * 2 ** this.listenFailures++);
    this.options.logger.warn({ err: error.message, retryInMs: delay }, `${this.options.name}: not listening; polling until LISTEN works again`);
    setTimeout(() => void this.listen().catch((next: Error) => this.listenFailed(next)), delay).unref();
  }
}
