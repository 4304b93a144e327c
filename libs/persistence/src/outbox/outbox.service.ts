import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { schemaOf } from '../data-source.js';
import { OutboxMessage } from './outbox-message.entity.js';

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

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.channel = outboxChannel(schemaOf(dataSource));
  }

  /**
   * Stores messages inside the caller's transaction; the relay publishes them after commit
   * (the NOTIFY is delivered only if the transaction commits).
   */
  async enqueue(manager: EntityManager, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) throw new Error('outbox messages must be written inside a transaction');
    await manager
      .createQueryBuilder()
      .insert()
      .into(OutboxMessage)
      .values(
        messages.map((m) => ({
          subject: m.subject,
          payload: Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength),
          headers: m.headers ?? null,
          msgId: m.msgId ?? null,
        })),
      )
      .execute();
    await manager.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }
}
