import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NotificationFilter } from './notification-filter.js';

/** Routes matching platform events of its tenant to one provider of the same tenant. */
@Entity({ name: 'integration_notification' })
export class NotificationEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'bigint' })
  providerId: string;

  @Column({ type: 'boolean', default: false })
  suspend: boolean;

  @Column({ type: 'jsonb' })
  filter: NotificationFilter;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
