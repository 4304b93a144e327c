import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ConfigLevel } from '../service-instances/service-instance.js';

/** One stored state of a configuration; `id` is also the id of the platform event it caused. */
@Entity({ name: 'config_revision' })
export class ConfigRevision {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  serviceInstance: string;

  @Column({ type: 'text' })
  level: ConfigLevel;

  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text', nullable: true })
  appName: string | null;

  @Column({ type: 'text', nullable: true })
  appVersionName: string | null;

  @Column({ type: 'text' })
  scopeKey: string;

  @Column({ type: 'int' })
  revision: number;

  @Column({ type: 'jsonb' })
  config: Record<string, unknown>;

  @Column({ type: 'text' })
  author: string;

  /** `X-Kaa-Revision` of the change (e.g. a commit). */
  @Column({ type: 'text', nullable: true })
  sourceRevision: string | null;

  /** `X-Kaa-Source` of the change (e.g. a repository). */
  @Column({ type: 'text', nullable: true })
  source: string | null;

  /** When this revision re-applied an older one. */
  @Column({ type: 'int', nullable: true })
  rolledBackFrom: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdDate: Date;
}
