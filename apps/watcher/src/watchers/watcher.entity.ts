import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type WatchedField = 'spec' | 'status';

/** What a consuming component wants to hear about (the Kyma Watcher CR). */
@Entity({ name: 'watcher' })
export class Watcher {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  component: string;

  @Column({ type: 'text' })
  resourceGroup: string;

  @Column({ type: 'text' })
  resourceVersion: string;

  /** Plural API resource name, e.g. `kymas`. */
  @Column({ type: 'text' })
  resource: string;

  @Column({ type: 'jsonb' })
  labelsToWatch: Record<string, string>;

  @Column({ type: 'text' })
  field: WatchedField;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
