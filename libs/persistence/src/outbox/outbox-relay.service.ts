import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { NatsClient, natsHeadersFrom } from '@kaa/nats';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { pgPool, quoteIdent, quoteLiteral, schemaOf } from '../data-source.js';
import { NotifiedLoop } from '../notified-loop.js';
import { outboxChannel } from './outbox.service.js';

interface Row {
  id: string;
  subject: string;
  payload: Buffer;
  headers: Record<string, string> | null;
  msg_id: string | null;
}

const BATCH = 500;

/** A bigint as Postgres returned it, checked before it is written into a statement. */
function bigintText(id: string): string {
  if (!/^-?\d+$/.test(id)) throw new Error(`outbox id ${id} is not an integer`);
  return id;
}

/**
 * Publishes committed outbox messages in id order, deleting each batch once NATS has it.
 * Woken by NOTIFY, by a NATS reconnect and by a timer; only one replica relays at a time
 * (transaction-scoped advisory lock), which keeps the order. Failures back off and retry.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly schema: string;
  private readonly table: string;
  private readonly readSql: string;
  private readonly loop: NotifiedLoop;
  private failures = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.schema = schemaOf(dataSource);
    this.table = `${quoteIdent(this.schema)}.outbox_message`;
    // No parameters: BEGIN and the read go as one simple query (the lock key is a literal).
    this.readSql = `BEGIN; WITH relay_lock AS (SELECT pg_try_advisory_xact_lock(hashtext(${quoteLiteral(`kaa:outbox:${this.schema}`)})) AS locked)
      SELECT o.id, o.subject, o.payload, o.headers, o.msg_id, relay_lock.locked
      FROM relay_lock LEFT JOIN ${this.table} o ON relay_lock.locked
      ORDER BY o.id LIMIT ${BATCH}`;
    this.loop = new NotifiedLoop({
      dataSource,
      channel: outboxChannel(this.schema),
      name: `${this.schema}-outbox`,
      logger,
      work: () => this.drain(),
      nextDelayMs: () => (this.failures ? Math.min(30_000, 250 * 2 ** this.failures) : 1000),
    });
  }

  async onApplicationBootstrap() {
    this.nats.onReconnect(() => this.kick());
    await this.loop.start();
  }

  /** Before the data source and NATS close (their hooks run in onApplicationShutdown). */
  async beforeApplicationShutdown() {
    await this.loop.stop();
  }

  /** Publishes whatever is pending now; resolves when the outbox is empty or publishing failed. */
  kick(): Promise<void> {
    return this.loop.kick();
  }

  private async drain() {
    try {
      for (;;) {
        if (!this.nats.isConnected()) return;
        const { sent, failure, emptied } = await this.relayBatch();
        if (failure) throw failure;
        if (emptied) {
          this.metrics.outboxBacklog.set(0);
          break;
        }
        if (sent < BATCH) {
          await this.updateBacklog();
          break;
        }
      }
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.logger.warn({ err: (error as Error).message, failures: this.failures }, 'outbox relay failed; will retry');
      await this.updateBacklog().catch(() => undefined);
    }
  }

  /**
   * Publishes one batch; rows NATS accepted are deleted even when a later row fails. Two round
   * trips on a pooled connection of its own: BEGIN with the lock and the read, then the delete
   * with COMMIT, each sent as one simple query (so the first publish waits for one round trip
   * after the wake-up, not three). The lock's CTE runs once: it is volatile, so never inlined.
   */
  private async relayBatch(): Promise<{ sent: number; failure?: Error; emptied?: boolean }> {
    const client = await pgPool(this.dataSource).connect();
    // While checked out, a pooled connection has no error listener of the pool's: a connection
    // lost between two queries (while publishing) would otherwise be an unhandled 'error'.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    let failed: Error | undefined;
    try {
      return await this.relayOn(client);
    } catch (error) {
      failed = error as Error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      // Whatever state a failed transaction is in, the connection is dropped: the server rolls back.
      client.release(failed ?? lost);
    }
  }

  private async relayOn(client: PoolClient): Promise<{ sent: number; failure?: Error; emptied?: boolean }> {
    const [, read] = (await client.query(this.readSql)) as unknown as [unknown, { rows: (Row & { locked: boolean })[] }];
    const result = read.rows;
    if (!result[0]?.locked) {
      await client.query('COMMIT');
      return { sent: 0 };
    }
    const rows = result.filter((r) => r.id !== null);
    const done: string[] = [];
    let failure: Error | undefined;
    for (const row of rows) {
      try {
        if (row.msg_id) {
          await this.nats.jetstream().publish(row.subject, row.payload, { msgID: row.msg_id, headers: row.headers ? natsHeadersFrom(row.headers) : undefined, timeout: 5000 });
          this.metrics.natsMessage(row.subject, 'out', 'ok');
        } else {
          this.nats.publish(row.subject, row.payload, { headers: row.headers ?? undefined });
        }
        done.push(row.id);
      } catch (error) {
        failure = error as Error;
        break;
      }
    }
    if (done.length > 0) await this.nats.flush();
    if (failure) {
      await client.query(`UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [rows[done.length].id, failure.message]);
    }
    // The ids are bigints Postgres just returned, so they are written into the statement as they are.
    await client.query(done.length > 0 ? `DELETE FROM ${this.table} WHERE id = ANY('{${done.map(bigintText).join(',')}}'::bigint[]); COMMIT` : 'COMMIT');
    return { sent: done.length, failure, emptied: !failure && rows.length < BATCH };
  }

  private async updateBacklog() {
    const [{ count }] = await this.dataSource.query(`SELECT count(*)::int AS count FROM ${this.table}`);
    this.metrics.outboxBacklog.set(count);
  }
}
