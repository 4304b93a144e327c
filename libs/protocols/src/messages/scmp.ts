import { createCodec, type Codec } from '../avro/codec.js';
import {
  correlationIdField,
  originatorReplicaIdField,
  timestampField,
  type AvroRecordSchema,
  type WithDefaults,
} from '../avro/schema.js';

const SCMP_NAMESPACE = 'org.kaaproject.scmp.event.gen.v1.service.configuration';

/**
 * The only (tenantID, appName, appVerName) shapes 17/SCMP sends. Note the reference field
 * names: `tenantID` with a capital D, `appVerName`.
 */
export type ScmpScope =
  | { tenantID: null; appName: null; appVerName: null }
  | { tenantID: string; appName: null; appVerName: null }
  | { tenantID: string; appName: string; appVerName: null }
  | { tenantID: string; appName: string; appVerName: string };

export type ScmpScopeLevel = 'all' | 'tenant' | 'application' | 'app-version';

export interface ScmpScopeFields {
  tenantID?: string | null | undefined;
  appName?: string | null | undefined;
  appVerName?: string | null | undefined;
}

/** What a notice asks a consumer to re-read, or `null` when the shape is not one SCMP allows. */
export function scmpScopeLevel(fields: ScmpScopeFields): ScmpScopeLevel | null {
  const tenant = fields.tenantID ?? null;
  const app = fields.appName ?? null;
  const version = fields.appVerName ?? null;
  if (tenant === null) return app === null && version === null ? 'all' : null;
  if (app === null) return version === null ? 'tenant' : null;
  return version === null ? 'application' : 'app-version';
}

function scopeRule(fields: ScmpScopeFields): string | null {
  return scmpScopeLevel(fields) === null
    ? 'tenantID, appName, appVerName must be all null, tenant only, tenant+app or tenant+app+version'
    : null;
}

/** 17/SCMP broadcast: applications or app versions changed. */
export type BroadcastConfigurationUpdateEvent = {
  correlationId: string;
  timestamp: number;
  originatorReplicaId: string;
} & ScmpScope;
export type BroadcastConfigurationUpdateEventInput = WithDefaults<
  BroadcastConfigurationUpdateEvent,
  'tenantID' | 'appName' | 'appVerName'
>;

export const broadcastConfigurationUpdateEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'BroadcastConfigurationUpdateEvent',
  namespace: SCMP_NAMESPACE,
  doc: 'Platform-wide configuration update event message',
  fields: [
    correlationIdField,
    timestampField,
    originatorReplicaIdField,
    { name: 'tenantID', type: ['null', 'string'], default: null, doc: 'Tenant ID' },
    { name: 'appName', type: ['null', 'string'], default: null, doc: 'Application name' },
    { name: 'appVerName', type: ['null', 'string'], default: null, doc: 'Application version name' },
  ],
};

export const broadcastConfigurationUpdateEventCodec: Codec<
  BroadcastConfigurationUpdateEvent,
  BroadcastConfigurationUpdateEventInput
> = createCodec<
  BroadcastConfigurationUpdateEvent,
  BroadcastConfigurationUpdateEventInput
>(broadcastConfigurationUpdateEventSchema, { rule: scopeRule, ruleCode: 'INVALID_SCMP_SHAPE' });

/** 17/SCMP targeted: the configuration of one service instance changed. Always names a tenant. */
export type ServiceSpecificConfigurationUpdateEvent = {
  correlationId: string;
  timestamp: number;
} & Exclude<ScmpScope, { tenantID: null }>;
export type ServiceSpecificConfigurationUpdateEventInput = WithDefaults<
  ServiceSpecificConfigurationUpdateEvent,
  'appName' | 'appVerName'
>;

export const serviceSpecificConfigurationUpdateEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'ServiceSpecificConfigurationUpdateEvent',
  namespace: SCMP_NAMESPACE,
  doc: 'Service specific configuration update event message',
  fields: [
    correlationIdField,
    timestampField,
    { name: 'tenantID', type: 'string', doc: 'Tenant ID' },
    { name: 'appName', type: ['null', 'string'], default: null, doc: 'Application name' },
    { name: 'appVerName', type: ['null', 'string'], default: null, doc: 'Application version name' },
  ],
};

export const serviceSpecificConfigurationUpdateEventCodec: Codec<
  ServiceSpecificConfigurationUpdateEvent,
  ServiceSpecificConfigurationUpdateEventInput
> = createCodec<
  ServiceSpecificConfigurationUpdateEvent,
  ServiceSpecificConfigurationUpdateEventInput
>(serviceSpecificConfigurationUpdateEventSchema, { rule: scopeRule, ruleCode: 'INVALID_SCMP_SHAPE' });
