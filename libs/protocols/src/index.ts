export {
  ProtocolError,
  InvalidSubjectTokenError,
  InvalidSubjectError,
  ProtocolEncodeError,
  ProtocolDecodeError,
  type ProtocolErrorCode,
} from './errors.js';

export { SUBJECT_PREFIX, ANY_TOKEN, REST_TOKENS, isValidToken, type TokenPattern } from './subjects/tokens.js';
export {
  serviceSubject,
  replicaSubject,
  eventSubject,
  servicePattern,
  replicaPattern,
  eventPattern,
  type PatternTail,
  type ServicePatternSpec,
  type ReplicaPatternSpec,
  type EventPatternSpec,
} from './subjects/builders.js';
export {
  parseSubject,
  type ParsedSubject,
  type ParsedServiceSubject,
  type ParsedReplicaSubject,
  type ParsedEventSubject,
} from './subjects/parse.js';
export {
  cdtp,
  scmp,
  elce,
  tle,
  systemConfig,
  watch,
  SCMP_ACTIONS,
  ELCE_EVENT_TYPES,
  TLE_EVENT_TYPES,
  type ScmpAction,
  type ElceEventType,
  type TleEventType,
} from './subjects/named.js';

export type { Codec } from './avro/codec.js';
export type { AvroRecordSchema, AvroField, AvroFieldType, AvroPrimitive, WithDefaults } from './avro/schema.js';

export {
  configRequestSchema,
  configRequestCodec,
  configResponseSchema,
  configResponseCodec,
  configUpdatedSchema,
  configUpdatedCodec,
  configAppliedSchema,
  configAppliedCodec,
  type ConfigRequest,
  type ConfigRequestInput,
  type ConfigResponse,
  type ConfigResponseInput,
  type ConfigUpdated,
  type ConfigUpdatedInput,
  type ConfigApplied,
  type ConfigAppliedInput,
} from './messages/cdtp.js';
export {
  broadcastConfigurationUpdateEventSchema,
  broadcastConfigurationUpdateEventCodec,
  serviceSpecificConfigurationUpdateEventSchema,
  serviceSpecificConfigurationUpdateEventCodec,
  scmpScopeLevel,
  type ScmpScope,
  type ScmpScopeLevel,
  type ScmpScopeFields,
  type BroadcastConfigurationUpdateEvent,
  type BroadcastConfigurationUpdateEventInput,
  type ServiceSpecificConfigurationUpdateEvent,
  type ServiceSpecificConfigurationUpdateEventInput,
} from './messages/scmp.js';
export {
  endpointRegisteredEventSchema,
  endpointRegisteredEventCodec,
  endpointUnregisteredEventSchema,
  endpointUnregisteredEventCodec,
  endpointAppVersionUpdatedEventSchema,
  endpointAppVersionUpdatedEventCodec,
  type EndpointRegisteredEvent,
  type EndpointRegisteredEventInput,
  type EndpointUnregisteredEvent,
  type EndpointUnregisteredEventInput,
  type EndpointAppVersionUpdatedEvent,
  type EndpointAppVersionUpdatedEventInput,
} from './messages/elce.js';
export {
  tenantUpdatedEventSchema,
  tenantUpdatedEventCodec,
  tenantUnregisteredEventSchema,
  tenantUnregisteredEventCodec,
  type TenantUpdatedEvent,
  type TenantUpdatedEventInput,
  type TenantUnregisteredEvent,
  type TenantUnregisteredEventInput,
} from './messages/tle.js';
export {
  systemConfigUpdatedSchema,
  systemConfigUpdatedCodec,
  SYSTEM_CONFIG_LEVELS,
  type SystemConfigLevel,
  type SystemConfigUpdated,
  type SystemConfigUpdatedInput,
} from './messages/system-config.js';
export { watchEventSchema, watchEventCodec, type WatchEvent, type WatchEventInput } from './messages/watch-event.js';

export { isExpired, type Expiring } from './expiry.js';
export { messageCatalogue, type MessageCatalogue, type MessageDescriptor, type MessageKey, type ProtocolName } from './catalogue.js';
