import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConfigLevel } from '../service-instances/service-instance.js';

/** The current configuration of one service instance at one level (app, app version, tenant). */
@Entity({ name: 'service_config' })
export class ServiceConfig {
  @PrimaryGeneratedColumn('uuid')
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

  /** `application:{app}`, `app-version:{version}` or `tenant:{tenantId}`; unique per instance. */
  @Column({ type: 'text' })
  scopeKey: string;

  @Column({ type: 'jsonb' })
  config: Record<string, unknown>;

  /** Number of the latest revision. */
  @Column({ type: 'int' })
  revision: number;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedDate: Date;
}
