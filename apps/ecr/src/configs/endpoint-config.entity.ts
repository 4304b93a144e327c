import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** One endpoint's named configuration for one application version. */
@Entity({ name: 'endpoint_config' })
@Unique('endpoint_config_slot', ['endpointId', 'appVersionName', 'name'])
export class EndpointConfig {
  @PrimaryColumn({ type: 'text' })
  configId: string;

  /** Tenant of the REST caller that stored it: REST isolation and the 21/TLE purge. */
  @Column({ type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  endpointId: string;

  @Column({ type: 'text' })
  appVersionName: string;

  @Column({ type: 'text' })
  name: string;

  /** The JSON document, serialized. */
  @Column({ type: 'text' })
  config: string;

  @Column({ type: 'timestamptz' })
  createdDate: Date;

  @Column({ type: 'timestamptz' })
  updatedDate: Date;
}
