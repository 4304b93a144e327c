import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ProviderType } from '../integrations.options.js';

/** Where and how notifications are sent; the secret is stored encrypted. */
@Entity({ name: 'integration_provider' })
export class ProviderEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: ProviderType;

  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'text', nullable: true })
  secretEncrypted: string | null;

  @Column({ type: 'int' })
  timeoutMs: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
