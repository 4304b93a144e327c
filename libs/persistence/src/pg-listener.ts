import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from '@kaa/observability';
import { quoteIdent } from './data-source.js';

export interface PgListenerOptions {
  dataSource: DataSource;
  /** Postgres NOTIFY channel. */
  channel: string;
  /** For logs and the connection's application_name. */
  name: string;
  logger: Logger;
  onNotification: (payload: string | undefined) => void;
  /**
   * LISTEN is in place. `afterOutage`: it was lost (or never worked) before, so notifications sent
   * meanwhile were missed.
   */
  onListening?: (afterOutage: boolean) => void;
  /** The LISTEN connection is gone; notifications are missed until `onListening`. */
  onLost?: () => void;
  /**
   * How often the connection is probed with a query. A connection that died without an error
   * (a half-open TCP link) delivers nothing and says nothing; the probe turns that into a loss.
   * 0 disables the probe.
   */
  probeIntervalMs?: number;
}

/**
 * A dedicated LISTEN connection that reconnects by itself with backoff and says when it is and
 * is not listening, so that whoever relies on its notifications knows when they may be missing.
 */
export class PgListener {
  private client?: pg.Client;
  private probe?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(private readonly options: PgListenerOptions) {}

  /** Tries to LISTEN once; on failure keeps retrying in the background (and resolves). */
  async start(): Promise<void> {
    await this.connect().catch((error: Error) => this.failed(error));
  }

  /**
   * Runs a statement on the LISTEN connection itself (e.g. to take a session-level lock that lasts
   * exactly as long as the notifications it guards). Fails when not listening.
   */
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    const client = this.client;
    if (!client) throw new Error(`${this.options.name}: not connected`);
    const result = await client.query(sql, params);
    return result.rows as R[];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.probe);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { url } = this.options.dataSource.options as { url?: string };
    const probeMs = this.options.probeIntervalMs ?? 0;
    const client = new pg.Client({
      connectionString: url,
      application_name: this.options.name,
      keepAlive: true,
      // A probe that does not come back in time counts as a dead connection.
      ...(probeMs > 0 ? { query_timeout: Math.max(1000, probeMs) } : {}),
    });
    client.on('notification', (message) => {
      if (this.client === client) this.options.onNotification(message.payload);
    });
    client.on('error', (error) => this.drop(client, error));
    client.on('end', () => this.drop(client, new Error('the LISTEN connection closed')));
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
    this.client = client;
    const afterOutage = this.failures > 0;
    this.failures = 0;
    if (probeMs > 0) {
      this.probe = setInterval(() => {
        client.query('SELECT 1').catch((error: Error) => this.drop(client, error));
      }, probeMs);
      this.probe.unref();
    }
    if (afterOutage) this.options.logger.info(`${this.options.name}: listening again on ${this.options.channel}`);
    this.options.onListening?.(afterOutage);
  }

  /** The current connection failed: report the loss once, then reconnect. */
  private drop(client: pg.Client, error: Error) {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    clearInterval(this.probe);
    void client.end().catch(() => undefined);
    this.options.onLost?.();
    this.failed(error);
  }

  /** Retries with exponential backoff (0.5 s doubling, at most 30 s) until it works or stops. */
  private failed(error: Error) {
    if (this.stopped) return;
    const delay = Math.min(30_000, 500 * 2 ** this.failures++);
    this.options.logger.warn({ err: error.message, retryInMs: delay }, `${this.options.name}: not listening on ${this.options.channel}; retrying`);
    this.retry = setTimeout(() => void this.connect().catch((next: Error) => this.failed(next)), delay);
    this.retry.unref();
  }
}
