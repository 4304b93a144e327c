import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NatsClient, natsHeadersFrom } from '@kaa/nats';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { quoteIdent, schemaOf } from '../data-source.js';
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

/**
 * Publishes committed outbox messages in id order, deleting each batch once NATS has it.
 * Woken by NOTIFY, by a NATS reconnect and by a timer; only one replica relays at a time
 * (transaction-scoped advisory lock), which keeps the order. Failures back off and retry.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly schema: string;
  private readonly loop: NotifiedLoop;
  private failures = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.schema = schemaOf(dataSource);
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
   * Publishes one batch; rows NATS accepted are deleted even when a later row fails. The lock
   * and the read are one statement (the lock's CTE runs once: it is volatile, so never inlined).
   */
  private async relayBatch(): Promise<{ sent: number; failure?: Error; emptied?: boolean }> {
    const table = `${quoteIdent(this.schema)}.outbox_message`;
    return this.dataSource.transaction(async (manager) => {
      const result: (Row & { locked: boolean })[] = await manager.query(
        `WITH relay_lock AS (SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked)
         SELECT o.id, o.subject, o.payload, o.headers, o.msg_id, relay_lock.locked
         FROM relay_lock LEFT JOIN ${table} o ON relay_lock.locked
         ORDER BY o.id LIMIT ${BATCH}`,
        [`kaa:outbox:${this.schema}`],
      );
      if (!result[0]?.locked) return { sent: 0 };
      const rows = result.filter((r) => r.id !== null);
      if (rows.length === 0) return { sent: 0, emptied: true };
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
      if (done.length > 0) await manager.query(`DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [done]);
      if (failure) {
        await manager.query(`UPDATE ${table} SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [rows[done.length].id, failure.message]);
      }
      return { sent: done.length, failure, emptied: !failure && rows.length < BATCH };
    });
  }

  private async updateBacklog() {
    const [{ count }] = await this.dataSource.query(`SELECT count(*)::int AS count FROM ${quoteIdent(this.schema)}.outbox_message`);
    this.metrics.outboxBacklog.set(count);
  }
}
