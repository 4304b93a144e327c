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
   * transaction. A data-modifying item runs to completion whether or not the statement reads it,
   * and the NOTIFY in its RETURNING is sent once per transaction however many rows it stores.
   */
  insertItem(name: string, messages: OutgoingMessage[], params: unknown[], when = 'true'): string {
    const param = (value: unknown) => `$${params.push(value)}`;
    const subjects = param(messages.map((m) => m.subject));
    const payloads = param(messages.map((m) => Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)));
    const headers = param(messages.map((m) => (m.headers ? JSON.stringify(m.headers) : null)));
    const msgIds = param(messages.map((m) => m.msgId ?? null));
    const channel = param(this.channel);
    return `${name} AS (
      INSERT INTO ${this.table} (subject, payload, headers, msg_id)
      SELECT * FROM unnest(${subjects}::text[], ${payloads}::bytea[], ${headers}::jsonb[], ${msgIds}::text[]) WHERE ${when}
      RETURNING pg_notify(${channel}, ''))`;
  }
}
