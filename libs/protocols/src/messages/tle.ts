import { createCodec, type Codec } from '../avro/codec.js';
import {
  correlationIdField,
  originatorReplicaIdField,
  timeoutField,
  timestampField,
  type AvroRecordSchema,
  type WithDefaults,
} from '../avro/schema.js';

const TLE_NAMESPACE = 'org.kaaproject.ipc.event.gen.v1.tenant.lifecycle';

/** 21/TLE: a tenant's metadata changed. Note `tenantId` here, `tenantID` in 17/SCMP. */
export interface TenantUpdatedEvent {
  correlationId: string;
  timestamp: number;
  timeout: number;
  tenantId: string;
  originatorReplicaId: string;
}
export type TenantUpdatedEventInput = WithDefaults<TenantUpdatedEvent, 'timeout'>;

export const tenantUpdatedEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'UpdatedEvent',
  namespace: TLE_NAMESPACE,
  doc: 'Tenant updated event message',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'tenantId', type: 'string', doc: 'Identifier of the tenant whose metadata was updated' },
    originatorReplicaIdField,
  ],
};

export const tenantUpdatedEventCodec: Codec<TenantUpdatedEvent, TenantUpdatedEventInput> = createCodec<TenantUpdatedEvent, TenantUpdatedEventInput>(tenantUpdatedEventSchema);

/** 21/TLE: a tenant left the platform; every service purges its data. */
export interface TenantUnregisteredEvent {
  correlationId: string;
  timestamp: number;
  timeout: number;
  tenantId: string;
  originatorReplicaId: string;
}
export type TenantUnregisteredEventInput = WithDefaults<TenantUnregisteredEvent, 'timeout'>;

export const tenantUnregisteredEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'UnregisteredEvent',
  namespace: TLE_NAMESPACE,
  doc: 'Tenant unregistered event message',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'tenantId', type: 'string', doc: 'Identifier of the tenant that has been unregistered from the platform' },
    originatorReplicaIdField,
  ],
};

export const tenantUnregisteredEventCodec: Codec<TenantUnregisteredEvent, TenantUnregisteredEventInput> = createCodec<TenantUnregisteredEvent, TenantUnregisteredEventInput>(
  tenantUnregisteredEventSchema,
);
