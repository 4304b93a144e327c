import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** The named default configuration of an application version, for endpoints without their own. */
@Entity({ name: 'default_config' })
@Unique('default_config_slot', ['appVersionName', 'name'])
export class DefaultConfig {
  @PrimaryColumn({ type: 'text' })
  configId: string;

  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  appVersionName: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  config: string;

  @Column({ type: 'timestamptz' })
  createdDate: Date;

  @Column({ type: 'timestamptz' })
  updatedDate: Date;
}
