import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { channelName, quoteIdent, schemaOf } from '../data-source.js';

export interface OutgoingMessage {
  subject: string;
  payload: Uint8Array;
  headers?: Record<string, string>;
  /** Publish to JetStream with this message id instead of core NATS. */
  msgId?: string;
}

export const outboxChannel = (schema: string) => channelName('kaa_outbox', schema);

/**
 * A statement storing at most this many messages sends each one in its NOTIFY payload, so the
 * relay can publish it without reading it back; bigger batches (fan-outs) send one empty NOTIFY.
 */
const NOTIFY_ROWS_MAX = 16;

/**
 * Messages up to about this size (payload twice over, as hex, plus subject, headers and id) ride
 * in their NOTIFY; Postgres refuses payloads of 8000 bytes or more.
 */
const NOTIFY_MESSAGE_MAX = 7000;

/**
 * A message as its NOTIFY payload carries it: `[id, subject, payload as hex, headers, msgId]` as JSON,
 * or '' when the relay must read the outbox table (see OutboxRelay).
 */
export type NotifiedMessage = [id: string, subject: string, payloadHex: string, headers: Record<string, string> | null, msgId: string | null];

@Injectable()
export class OutboxService {
  private readonly channel: string;
  private readonly table: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    const schema = schemaOf(dataSource);
    this.channel = outboxChannel(schema);
    this.table = `${quoteIdent(schema)}.outbox_message`;
  }

  /**
   * Stores messages inside the caller's transaction; the relay publishes them after commit
   * (the NOTIFY is delivered only if the transaction commits).
   */
  async enqueue(manager: EntityManager, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) throw new Error('outbox messages must be written inside a transaction');
    // One statement stores the batch and notifies the relay (delivered only on commit).
    const params: unknown[] = [];
    await manager.query(`WITH ${this.insertItem('stored', messages, params)} SELECT count(*) FROM stored`, params);
  }

  /**
   * The outbox insert and its NOTIFY as a data-modifying WITH item named `name`, for the statement
   * that writes the change itself (one round trip less); its values are appended to `params`.
   * `when`: an SQL condition on that statement's other items (e.g. that the change was stored);
   * nothing is stored or notified when it is false. The statement must run in the change's
   * transaction. A data-modifying item runs to completion whether or not the statement reads it.
   * The NOTIFY in its RETURNING carries each stored message (see NotifiedMessage) when there are
   * few and they are small, else it is empty (and sent once per transaction, as Postgres folds
   * identical notifications).
   */
  insertItem(name: string, messages: OutgoingMessage[], params: unknown[], when = 'true'): string {
    const param = (value: unknown) => `$${params.push(value)}`;
    const subjects = param(messages.map((m) => m.subject));
    const payloads = param(messages.map((m) => Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)));
    const headers = param(messages.map((m) => (m.headers ? JSON.stringify(m.headers) : null)));
    const msgIds = param(messages.map((m) => m.msgId ?? null));
    const channel = param(this.channel);
    const size = `2 * octet_length(payload) + octet_length(subject) + coalesce(octet_length(headers::text), 0) + coalesce(octet_length(msg_id), 0)`;
    const notice =
      messages.length <= NOTIFY_ROWS_MAX
        ? `CASE WHEN ${size} <= ${NOTIFY_MESSAGE_MAX} THEN json_build_array(id::text, subject, encode(payload, 'hex'), headers, msg_id)::text ELSE '' END`
        : `''`;
    return `${name} AS (
      INSERT INTO ${this.table} (subject, payload, headers, msg_id)
      SELECT * FROM unnest(${subjects}::text[], ${payloads}::bytea[], ${headers}::jsonb[], ${msgIds}::text[]) WHERE ${when}
      RETURNING pg_notify(${channel}, ${notice}))`;
  }
}
