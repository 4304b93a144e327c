import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NatsClient, natsHeadersFrom, type NatsConnectionIdentity } from '@kaa/nats';
import { LOGGER, MetricsService, type Logger } from '@kaa/observability';
import { quoteIdent, quoteLiteral, schemaOf } from '../data-source.js';
import { NotifiedLoop } from '../notified-loop.js';
import { outboxChannel, type NotifiedMessage } from './outbox.service.js';

interface Message {
  id: string;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string> | null;
  msgId: string | null;
}

const BATCH = 500;
/**
 * The first key of the relay's advisory lock; the second is the schema's OID. The lock is held for
 * as long as a replica relays, so the key must not collide with another instance's (a hash of
 * the schema name could).
 */
const LOCK_CLASS = 0x4b616f62; // "Kaob": Kaa outbox
/** How long ids published from a table read are remembered, to skip their late notifications. */
const REMEMBER_MS = 60_000;
/**
 * How long the relay waits for NATS to answer the flush that confirms its publishes. A flush
 * takes a round trip; a server that does not answer in this time is taken as hung, and what
 * the flush was to confirm is published again.
 */
const CONFIRM_TIMEOUT_MS = 5000;

/** A bigint as Postgres returned it, checked before it is written into a statement. */
function bigintText(id: string): string {
  if (!/^-?\d+$/.test(id)) throw new Error(`outbox id ${id} is not an integer`);
  return id;
}

const lockLost = () => new Error('the outbox relay lost its lock with its connection');
const natsConnectionChanged = () => new Error('the NATS connection changed since the outbox relay read the table');

/** A notification's message, or undefined when it carries none (or one this relay cannot read). */
function notifiedMessage(payload: string | undefined): Message | undefined {
  if (!payload) return undefined;
  try {
    const [id, subject, hex, headers, msgId] = JSON.parse(payload) as NotifiedMessage;
    if (typeof id !== 'string' || typeof subject !== 'string' || typeof hex !== 'string') return undefined;
    bigintText(id);
    return { id, subject, payload: Buffer.from(hex, 'hex'), headers: headers ?? null, msgId: msgId ?? null };
  } catch {
    return undefined;
  }
}

/**
 * Publishes committed outbox messages in commit order, deleting them once NATS confirmed them.
 *
 * One replica relays at a time: the one holding a session-level advisory lock on its LISTEN
 * connection. The lock lasts exactly as long as that connection, so while the relay holds it,
 * every notification it receives is one no other replica acts on. That lets it publish a message
 * straight from its NOTIFY payload (see OutboxService.insertItem), without reading it back, and
 * delete it afterwards. It reads the table instead whenever it may have missed or skipped
 * something: on taking the lock, after its connection or NATS was lost, after a failure, for
 * notifications without a message (fan-outs, large messages), and on a timer.
 *
 * A row is deleted only once NATS confirmed that very publish: a JetStream acknowledgement, or for
 * a core publish a flush (PING answered by PONG) sent after it on the same connection, with no
 * reconnect in between (see NatsClient.flushOn), within CONFIRM_TIMEOUT_MS. Everything else stays
 * in the table and is published again. The client drops what it had not yet written when its
 * connection goes, and what it wrote may have died in the socket, so neither a later flush nor one
 * on the next connection says anything about it.
 *
 * Order: a run is a table read (in id order) followed by publishes from notifications, all on the
 * one NATS connection that was current when the read began; a publish on any other connection ends
 * the run. On one connection the server receives a prefix of what was sent, so everything after
 * that prefix is unconfirmed and still in the table, and the next run publishes it again from the
 * lowest id: each subject's messages are first seen in commit order, some of them twice.
 *
 * Other replicas try the lock on each wake-up and take over when the holder's connection ends.
 * Failures back off and retry.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly table: string;
  private readonly lockSql: string;
  private readonly readSql: string;
  private readonly loop: NotifiedLoop;
  private failures = 0;
  /** This relay holds the lock on its current LISTEN connection. */
  private holding = false;
  /** Something may be in the table that the notifications in `notified` do not cover. */
  private readTable = true;
  /** Messages from notifications, in commit order, not yet published. */
  private notified: Message[] = [];
  /** The NATS connection of the current run (see the class comment). */
  private run?: NatsConnectionIdentity;
  /** Core publishes of the current run, not yet confirmed. */
  private sent: string[] = [];
  /** Confirmed by NATS and not yet deleted. */
  private confirmed: string[] = [];
  private deleting?: Promise<void>;
  /** Ids published by table reads whose notifications may still arrive, with when they were published. */
  private readonly recent = new Map<string, number>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const schema = schemaOf(dataSource);
    this.table = `${quoteIdent(schema)}.outbox_message`;
    // The session's commits (the deletes) do not wait for the WAL flush: one lost to a crash of
    // Postgres only means that message is published again. A flush per change less on the disk
    // that the changes themselves wait for.
    this.lockSql = `SELECT pg_try_advisory_lock(${LOCK_CLASS}, oid::int) AS locked, set_config('synchronous_commit', 'off', false)
      FROM pg_namespace WHERE nspname = ${quoteLiteral(schema)}`;
    this.readSql = `SELECT id, subject, payload, headers, msg_id FROM ${this.table} ORDER BY id LIMIT ${BATCH}`;
    this.loop = new NotifiedLoop({
      dataSource,
      channel: outboxChannel(schema),
      name: `${schema}-outbox`,
      logger,
      // A dead connection must not go on looking like a held lock.
      probeIntervalMs: 5000,
      work: () => this.round(),
      nextDelayMs: () => (this.failures ? Math.min(30_000, 250 * 2 ** this.failures) : 1000),
      onNotification: (payload) => {
        // Only the relaying replica, with nothing to read first, publishes from notifications.
        const message = this.holding && !this.readTable ? notifiedMessage(payload) : undefined;
        if (message) this.notified.push(message);
        else this.readTable = true;
      },
      // A new connection holds no lock (see lose()).
      onListening: () => this.lose(),
      onLost: () => this.lose(),
    });
  }

  async onApplicationBootstrap() {
    this.nats.onReconnect(() => {
      this.readTable = true;
      void this.kick();
    });
    await this.loop.start();
  }

  /** Before the data source and NATS close (their hooks run in onApplicationShutdown). */
  async beforeApplicationShutdown() {
    // The deletes go on the connection that holds the lock, so they finish before it closes.
    await this.loop.stop(async () => {
      await this.deleting;
    });
  }

  /** Whether this replica is the one that relays (holds the lock). */
  get relaying(): boolean {
    return this.holding;
  }

  /** Publishes whatever is pending now; resolves when the outbox is empty or publishing failed. */
  kick(): Promise<void> {
    this.readTable = true;
    return this.loop.kick();
  }

  /**
   * The connection (and with it the lock) is gone. What NATS confirmed and is not yet deleted is
   * kept: deleting it later is right whoever relays by then (another replica may publish it again
   * first).
   */
  private lose() {
    this.holding = false;
    this.readTable = true;
    this.notified = [];
  }

  private async round() {
    try {
      if (!this.nats.isConnected()) {
        this.readTable = true;
        this.notified = [];
        return;
      }
      // A round with nothing notified is a timer's or a kick's: it sweeps the table.
      if (this.holding && !this.readTable && this.notified.length > 0) await this.publishNotified();
      else await this.drain();
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.readTable = true;
      this.notified = [];
      this.logger.warn({ err: (error as Error).message, failures: this.failures }, 'outbox relay failed; will retry');
      await this.updateBacklog().catch(() => undefined);
    }
  }

  /** Publishes the notified messages: no round trip to Postgres before the first publish. */
  private async publishNotified() {
    const messages = this.notified;
    this.notified = [];
    for (const message of messages) {
      // Lost with the connection, or the run ended (a confirmation failed, a reconnect, a kick):
      // the next table read publishes the rest.
      if (!this.holding || this.readTable) return;
      if (this.recent.has(message.id)) continue;
      await this.publish(message);
    }
    if (this.sent.length > 0 || this.confirmed.length > 0) this.deleting ??= this.deletePublished();
  }

  /**
   * Confirms and deletes what was published from notifications, repeating while more comes;
   * clears `deleting` when done (in the same turn as it finds nothing left, so no id is stranded).
   */
  private async deletePublished() {
    try {
      while (this.sent.length > 0 || this.confirmed.length > 0) await this.deletePublishedOnce();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'outbox relay could not confirm or delete published messages; will publish the unconfirmed again');
    } finally {
      this.deleting = undefined;
    }
  }

  /** Confirms what is in `sent` now, then deletes everything confirmed. */
  private async deletePublishedOnce() {
    await this.confirmSent();
    await this.deleteConfirmed();
  }

  /**
   * Moves what is in `sent` now to `confirmed` once NATS confirms it. When it does not, the run
   * ends: its unconfirmed publishes are forgotten (their rows stay, and the next table read
   * publishes them again).
   */
  private async confirmSent() {
    const sent = this.sent;
    this.sent = [];
    if (sent.length === 0) return;
    try {
      if (!this.run) throw new Error('no NATS connection to confirm on');
      await this.nats.flushOn(this.run, CONFIRM_TIMEOUT_MS);
    } catch (error) {
      // Publishes of this run made during the flush are behind these: forgotten too.
      this.sent = [];
      this.readTable = true;
      throw error;
    }
    this.confirmed.push(...sent);
  }

  /** Deletes the confirmed rows; on failure their ids stay for the next try. */
  private async deleteConfirmed() {
    const ids = this.confirmed;
    this.confirmed = [];
    if (ids.length === 0) return;
    try {
      await this.loop.query(this.deleteSql(ids));
    } catch (error) {
      this.confirmed = ids.concat(this.confirmed);
      throw error;
    }
  }

  /** A statement on the connection that holds the lock; fails once that connection is gone. */
  private whileHolding<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    if (!this.holding) return Promise.reject(lockLost());
    return this.loop.query<R>(sql, params);
  }

  /**
   * Starts a run: reads the table in id order and publishes it all, if this relay holds (or can
   * take) the lock.
   */
  private async drain() {
    if (!this.holding) {
      const [row] = await this.loop.query<{ locked: boolean }>(this.lockSql);
      if (!row) throw new Error('the outbox schema does not exist');
      if (!row.locked) return;
      this.holding = true;
      this.logger.info('outbox relay: this replica relays');
    }
    await this.deleting;
    // The last run's publishes are confirmed if its connection still answers; else the read below
    // publishes them again.
    await this.confirmSent().catch(() => undefined);
    await this.deleteConfirmed();
    this.run = this.nats.connectionIdentity();
    if (!this.run) throw new Error('NATS is not connected');
    // Everything notified so far is committed, so the read covers it.
    this.readTable = false;
    this.notified = [];
    const now = Date.now();
    for (const [id, at] of this.recent) {
      if (now - at < REMEMBER_MS) break;
      this.recent.delete(id);
    }
    for (;;) {
      const rows = await this.whileHolding<{ id: string; subject: string; payload: Buffer; headers: Record<string, string> | null; msg_id: string | null }>(this.readSql);
      const done: string[] = [];
      let failure: Error | undefined;
      for (const row of rows) {
        try {
          if (!this.holding) throw lockLost();
          await this.publish({ id: row.id, subject: row.subject, payload: row.payload, headers: row.headers, msgId: row.msg_id });
          done.push(row.id);
        } catch (error) {
          failure = error as Error;
          break;
        }
      }
      const at = Date.now();
      for (const id of done) this.recent.set(id, at);
      if (failure) {
        await this.whileHolding(`UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [rows[done.length].id, failure.message]);
      }
      await this.deletePublishedOnce();
      if (failure) throw failure;
      if (rows.length < BATCH) break;
    }
    this.metrics.outboxBacklog.set(0);
  }

  /** Publishes on the run's connection; records the message as confirmed (JetStream) or as sent. */
  private async publish(message: Message) {
    if (!this.run || this.nats.connectionIdentity() !== this.run) throw natsConnectionChanged();
    if (message.msgId) {
      await this.nats.jetstream().publish(message.subject, message.payload, {
        msgID: message.msgId,
        headers: message.headers ? natsHeadersFrom(message.headers) : undefined,
        timeout: 5000,
      });
      this.metrics.natsMessage(message.subject, 'out', 'ok');
      this.confirmed.push(message.id);
    } else {
      this.nats.publish(message.subject, message.payload, { headers: message.headers ?? undefined });
      this.sent.push(message.id);
    }
  }

  /** The ids are bigints Postgres returned, so they are written into the statement as they are. */
  private deleteSql(ids: string[]): string {
    return `DELETE FROM ${this.table} WHERE id = ANY('{${ids.map(bigintText).join(',')}}'::bigint[])`;
  }

  private async updateBacklog() {
    const [{ count }] = await this.loop.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${this.table}`);
    this.metrics.outboxBacklog.set(count);
  }
}
