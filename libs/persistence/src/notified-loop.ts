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
  private again = false;
  private stopped = false;

  constructor(private readonly options: NotifiedLoopOptions) {}

  async start(): Promise<void> {
    await this.listen().catch((error: Error) => this.options.logger.warn({ err: error.message }, `${this.options.name}: LISTEN failed; polling only`));
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.listener?.end().catch(() => undefined);
  }

  /** Runs a round now (or right after the current one); resolves when that round is done. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.options.work().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.kick();
      }
    });
    return this.running;
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.kick().finally(() => this.schedule(this.options.nextDelayMs()));
    }, ms);
    this.timer.unref();
  }

  private async listen() {
    const { url } = this.options.dataSource.options as { url?: string };
    const client = new pg.Client({ connectionString: url, application_name: this.options.name });
    client.on('notification', () => void this.kick());
    client.on('error', (error) => {
      if (this.stopped) return;
      this.options.logger.warn({ err: error.message }, `${this.options.name}: listener lost its connection; polling until it is back`);
      this.listener = undefined;
      setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    this.listener = client;
  }
}
