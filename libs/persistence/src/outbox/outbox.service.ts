import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent, schemaOf } from '../data-source.js';

export interface OutgoingMessage {
  subject: string;
  payload: Uint8Array;
  headers?: Record<string, string>;
  /** Publish to JetStream with this message id instead of core NATS. */
  msgId?: string;
}

export const outboxChannel = (schema: string) => `kaa_outbox_${schema}`;

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
    await manager.query(
      `WITH stored AS (
         INSERT INTO ${this.table} (subject, payload, headers, msg_id)
         SELECT * FROM unnest($1::text[], $2::bytea[], $3::jsonb[], $4::text[])
         RETURNING 1)
       SELECT pg_notify($5, '') FROM (SELECT 1 FROM stored LIMIT 1) AS any_stored`,
      [
        messages.map((m) => m.subject),
        messages.map((m) => Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)),
        messages.map((m) => (m.headers ? JSON.stringify(m.headers) : null)),
        messages.map((m) => m.msgId ?? null),
        this.channel,
      ],
    );
  }

}
