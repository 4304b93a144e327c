import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export type ConfigStatusValue = 'DISPATCHED' | 'APPLIED' | 'REJECTED';

/** What was dispatched to an endpoint over 6/CDTP and what the endpoint confirmed. */
@Entity({ name: 'config_status' })
@Unique('config_status_entry', ['endpointId', 'appVersionName', 'configId'])
export class ConfigStatus {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  endpointId: string;

  @Column({ type: 'text' })
  appVersionName: string;

  @Column({ type: 'text' })
  configId: string;

  @Column({ type: 'text' })
  configName: string;

  /** Snapshot of the dispatched document: the config row may since have been replaced. */
  @Column({ type: 'text' })
  config: string;

  @Column({ type: 'text' })
  status: ConfigStatusValue;

  @Column({ type: 'timestamptz', nullable: true })
  lastDispatchedDate: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastConfirmedDate: Date | null;

  @Column({ type: 'int', nullable: true })
  confirmationStatusCode: number | null;

  @Column({ type: 'text', nullable: true })
  confirmationReasonPhrase: string | null;
}
