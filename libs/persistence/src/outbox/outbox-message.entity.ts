import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A NATS message written in the same transaction as the change it announces. */
@Entity({ name: 'outbox_message' })
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'bytea' })
  payload: Buffer;

  @Column({ type: 'jsonb', nullable: true })
  headers: Record<string, string> | null;

  /** When set, the message goes to JetStream with this id (the server deduplicates on it). */
  @Column({ type: 'text', nullable: true })
  msgId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;
}
