import { createCodec, type Codec } from '../avro/codec.js';
import {
  contentTypeField,
  correlationIdField,
  optionalOriginatorReplicaIdField,
  timeoutField,
  timestampField,
  type AvroRecordSchema,
  type WithDefaults,
} from '../avro/schema.js';

/** The levels of the system configuration hierarchy, most specific last; `configLevel` names one. */
export const SYSTEM_CONFIG_LEVELS = ['TENANT', 'APPLICATION', 'APP_VERSION', 'ENDPOINT'] as const;
export type SystemConfigLevel = (typeof SYSTEM_CONFIG_LEVELS)[number];

/** 0027: system configuration changed at some level of the hierarchy. */
export interface SystemConfigUpdated {
  correlationId: string;
  timestamp: number;
  timeout: number;
  tenantId: string;
  configName: string;
  /** e.g. TENANT, APPLICATION, APP_VERSION, ENDPOINT; a free string in the schema. */
  configLevel: string;
  configLevelId: string;
  contentType: string;
  content: Uint8Array;
  originatorReplicaId: string | null;
}
export type SystemConfigUpdatedInput = WithDefaults<SystemConfigUpdated, 'timeout' | 'contentType' | 'originatorReplicaId'>;

export const systemConfigUpdatedSchema: AvroRecordSchema = {
  type: 'record',
  name: 'SystemConfigUpdated',
  namespace: 'org.kaaproject.ipc.event.gen.v1.system.config',
  doc: 'Broadcast message to indicate that system configuration data got updated',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'tenantId', type: 'string', doc: 'Tenant identifier' },
    { name: 'configName', type: 'string', doc: 'Name of the system configuration that was updated' },
    { name: 'configLevel', type: 'string', doc: 'Level of the configuration hierarchy' },
    { name: 'configLevelId', type: 'string', doc: 'Identifier at the configuration level' },
    contentTypeField,
    { name: 'content', type: 'bytes', doc: 'Configuration data encoded according to the contentType' },
    optionalOriginatorReplicaIdField,
  ],
};

export const systemConfigUpdatedCodec: Codec<SystemConfigUpdated, SystemConfigUpdatedInput> = createCodec<SystemConfigUpdated, SystemConfigUpdatedInput>(
  systemConfigUpdatedSchema,
);
