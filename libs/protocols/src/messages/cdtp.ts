import { createCodec, type Codec } from '../avro/codec.js';
import {
  contentTypeField,
  correlationIdField,
  optionalOriginatorReplicaIdField,
  reasonPhraseField,
  timeoutField,
  timestampField,
  type AvroRecordSchema,
  type WithDefaults,
} from '../avro/schema.js';

const CDTP_NAMESPACE = 'org.kaaproject.ipc.cdtp.gen.v1';
const CONFIG_EVENT_NAMESPACE = 'org.kaaproject.ipc.event.gen.v1.endpoint.config';

/** 6/CDTP request, consumer -> ECR. */
export interface ConfigRequest {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  endpointId: string;
  /** The config the consumer already has; absent asks for the current one. */
  configId: string | null;
  /** Absent means `default`. */
  configName: string | null;
}
export type ConfigRequestInput = WithDefaults<ConfigRequest, 'timeout' | 'configId' | 'configName'>;

export const configRequestSchema: AvroRecordSchema = {
  type: 'record',
  name: 'ConfigRequest',
  namespace: CDTP_NAMESPACE,
  doc: 'EP configuration request message from consumer to provider',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: "Endpoint's application version, for which the configuration is requested" },
    { name: 'endpointId', type: 'string', doc: 'Endpoint identifier, for which the configuration is requested' },
    { name: 'configId', type: ['null', 'string'], default: null, doc: 'Configuration known to the consumer; absent asks for the latest' },
    { name: 'configName', type: ['null', 'string'], default: null, doc: "Named configuration; absent means 'default'" },
  ],
};

export const configRequestCodec: Codec<ConfigRequest, ConfigRequestInput> = createCodec<ConfigRequest, ConfigRequestInput>(configRequestSchema);

/** 6/CDTP response, ECR -> the request's `replyTo`. */
export interface ConfigResponse {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  endpointId: string;
  /** Absent on errors and when the requested `configId` is still current. */
  configId: string | null;
  contentType: string;
  /** Absent on errors and when the requested `configId` is still current. */
  content: Uint8Array | null;
  /** HTTP-style. */
  statusCode: number;
  reasonPhrase: string | null;
}
export type ConfigResponseInput = WithDefaults<
  ConfigResponse,
  'timeout' | 'configId' | 'contentType' | 'content' | 'reasonPhrase'
>;

export const configResponseSchema: AvroRecordSchema = {
  type: 'record',
  name: 'ConfigResponse',
  namespace: CDTP_NAMESPACE,
  doc: 'EP configuration response message from provider to consumer',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: "Endpoint's application version, for which the configuration is returned" },
    { name: 'endpointId', type: 'string', doc: 'Endpoint identifier, for which the configuration is returned' },
    { name: 'configId', type: ['null', 'string'], default: null, doc: 'Identifier of the returned configuration' },
    contentTypeField,
    { name: 'content', type: ['null', 'bytes'], default: null, doc: 'Configuration data encoded according to the contentType' },
    { name: 'statusCode', type: 'int', doc: 'HTTP status code of the request processing' },
    reasonPhraseField,
  ],
};

export const configResponseCodec: Codec<ConfigResponse, ConfigResponseInput> = createCodec<ConfigResponse, ConfigResponseInput>(configResponseSchema);

/** 6/CDTP broadcast by ECR when an endpoint's configuration changed. */
export interface ConfigUpdated {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  endpointId: string;
  configId: string;
  contentType: string;
  content: Uint8Array;
  originatorReplicaId: string | null;
}
export type ConfigUpdatedInput = WithDefaults<ConfigUpdated, 'timeout' | 'contentType' | 'originatorReplicaId'>;

export const configUpdatedSchema: AvroRecordSchema = {
  type: 'record',
  name: 'ConfigUpdated',
  namespace: CONFIG_EVENT_NAMESPACE,
  doc: 'Broadcast message to indicate that endpoint configuration data got updated in the configuration provider service',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: 'Application version name, for which the configuration was updated' },
    { name: 'endpointId', type: 'string', doc: 'Endpoint identifier, for which the configuration was updated' },
    { name: 'configId', type: 'string', doc: 'Identifier of the new configuration' },
    contentTypeField,
    { name: 'content', type: 'bytes', doc: 'Configuration data encoded according to the contentType' },
    optionalOriginatorReplicaIdField,
  ],
};

export const configUpdatedCodec: Codec<ConfigUpdated, ConfigUpdatedInput> = createCodec<ConfigUpdated, ConfigUpdatedInput>(configUpdatedSchema);

/** 6/CDTP broadcast by a consumer (e.g. CMX) once an endpoint applied, or rejected, a configuration. */
export interface ConfigApplied {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  endpointId: string;
  configId: string;
  originatorReplicaId: string | null;
  /** HTTP-style; 2xx means applied. */
  statusCode: number;
  reasonPhrase: string | null;
}
export type ConfigAppliedInput = WithDefaults<ConfigApplied, 'timeout' | 'originatorReplicaId' | 'statusCode' | 'reasonPhrase'>;

export const configAppliedSchema: AvroRecordSchema = {
  type: 'record',
  name: 'ConfigApplied',
  namespace: CONFIG_EVENT_NAMESPACE,
  doc: 'Broadcast message to indicate that endpoint applied the configuration',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: 'Application version name of the endpoint, which applied the configuration' },
    { name: 'endpointId', type: 'string', doc: 'Identifier of the endpoint, which applied the configuration' },
    { name: 'configId', type: 'string', doc: 'Identifier of the applied configuration' },
    optionalOriginatorReplicaIdField,
    { name: 'statusCode', type: 'int', default: 200, doc: 'HTTP status code of the request processing' },
    reasonPhraseField,
  ],
};

export const configAppliedCodec: Codec<ConfigApplied, ConfigAppliedInput> = createCodec<ConfigApplied, ConfigAppliedInput>(configAppliedSchema);
