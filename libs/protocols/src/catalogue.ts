import type { Codec } from './avro/codec.js';
import { fullName, type AvroRecordSchema } from './avro/schema.js';
import * as cdtpMessages from './messages/cdtp.js';
import * as elceMessages from './messages/elce.js';
import * as scmpMessages from './messages/scmp.js';
import { systemConfigUpdatedCodec, systemConfigUpdatedSchema, type SystemConfigUpdated, type SystemConfigUpdatedInput } from './messages/system-config.js';
import * as tleMessages from './messages/tle.js';
import { watchEventCodec, watchEventSchema, type WatchEvent, type WatchEventInput } from './messages/watch-event.js';
import { cdtp, elce, scmp, systemConfig, tle, watch } from './subjects/named.js';

export type ProtocolName = '6/CDTP' | '17/SCMP' | '9/ELCE' | '21/TLE' | '0027' | 'watch';

export interface MessageDescriptor<T, TInput = T> {
  /** TypeScript name of the message. */
  readonly name: string;
  readonly protocol: ProtocolName;
  readonly schema: AvroRecordSchema;
  /** Full Avro name, `namespace.name`. */
  readonly schemaName: string;
  /** File in the kaa-rfcs folder this schema must match; `null` for our own schemas. */
  readonly referenceSchemaFile: string | null;
  readonly codec: Codec<T, TInput>;
  /** The subject, with `{placeholders}` for the names a builder takes. */
  readonly subject: string;
  readonly producer: string;
  readonly consumers: readonly string[];
}

function entry<T, TInput>(descriptor: Omit<MessageDescriptor<T, TInput>, 'schemaName'>): MessageDescriptor<T, TInput> {
  return { ...descriptor, schemaName: fullName(descriptor.schema) };
}

const ACTION = '{upsert|delete}';

/** Every message the platform sends or receives, with its subject, schema, producer and consumers. */
/**
 * The catalogue's type, written out rather than inferred: an inferred declaration spells the
 * codecs' input types out, in an order that changes from one compilation to the next, and the
 * published API report must not.
 */
export interface MessageCatalogue {
  readonly configRequest: MessageDescriptor<cdtpMessages.ConfigRequest, cdtpMessages.ConfigRequestInput>;
  readonly configResponse: MessageDescriptor<cdtpMessages.ConfigResponse, cdtpMessages.ConfigResponseInput>;
  readonly configUpdated: MessageDescriptor<cdtpMessages.ConfigUpdated, cdtpMessages.ConfigUpdatedInput>;
  readonly configApplied: MessageDescriptor<cdtpMessages.ConfigApplied, cdtpMessages.ConfigAppliedInput>;
  readonly broadcastConfigurationUpdateEvent: MessageDescriptor<scmpMessages.BroadcastConfigurationUpdateEvent, scmpMessages.BroadcastConfigurationUpdateEventInput>;
  readonly serviceSpecificConfigurationUpdateEvent: MessageDescriptor<scmpMessages.ServiceSpecificConfigurationUpdateEvent, scmpMessages.ServiceSpecificConfigurationUpdateEventInput>;
  readonly endpointRegisteredEvent: MessageDescriptor<elceMessages.EndpointRegisteredEvent, elceMessages.EndpointRegisteredEventInput>;
  readonly endpointUnregisteredEvent: MessageDescriptor<elceMessages.EndpointUnregisteredEvent, elceMessages.EndpointUnregisteredEventInput>;
  readonly endpointAppVersionUpdatedEvent: MessageDescriptor<elceMessages.EndpointAppVersionUpdatedEvent, elceMessages.EndpointAppVersionUpdatedEventInput>;
  readonly tenantUpdatedEvent: MessageDescriptor<tleMessages.TenantUpdatedEvent, tleMessages.TenantUpdatedEventInput>;
  readonly tenantUnregisteredEvent: MessageDescriptor<tleMessages.TenantUnregisteredEvent, tleMessages.TenantUnregisteredEventInput>;
  readonly systemConfigUpdated: MessageDescriptor<SystemConfigUpdated, SystemConfigUpdatedInput>;
  readonly watchEvent: MessageDescriptor<WatchEvent, WatchEventInput>;
}

export const messageCatalogue: MessageCatalogue = {
  configRequest: entry({
    name: 'ConfigRequest',
    protocol: '6/CDTP',
    schema: cdtpMessages.configRequestSchema,
    referenceSchemaFile: '0006-config-request.avsc',
    codec: cdtpMessages.configRequestCodec,
    subject: cdtp.request('{ecr-instance}'),
    producer: 'delivery services such as Kaa CMX (request/reply)',
    consumers: ['ecr'],
  }),
  configResponse: entry({
    name: 'ConfigResponse',
    protocol: '6/CDTP',
    schema: cdtpMessages.configResponseSchema,
    referenceSchemaFile: '0006-config-response.avsc',
    codec: cdtpMessages.configResponseCodec,
    subject: cdtp.response('{consumer-replica}'),
    producer: "ecr, to the request's replyTo (this subject is the recommended replyTo)",
    consumers: ['the requesting delivery service replica'],
  }),
  configUpdated: entry({
    name: 'ConfigUpdated',
    protocol: '6/CDTP',
    schema: cdtpMessages.configUpdatedSchema,
    referenceSchemaFile: '0006-config-updated.avsc',
    codec: cdtpMessages.configUpdatedCodec,
    subject: cdtp.configUpdated('{ecr-instance}'),
    producer: 'ecr',
    consumers: ['delivery services such as Kaa CMX', 'tekton integrations'],
  }),
  configApplied: entry({
    name: 'ConfigApplied',
    protocol: '6/CDTP',
    schema: cdtpMessages.configAppliedSchema,
    referenceSchemaFile: '0006-config-applied.avsc',
    codec: cdtpMessages.configAppliedCodec,
    subject: cdtp.configApplied('{consumer-instance}'),
    producer: 'delivery services such as Kaa CMX',
    consumers: ['ecr', 'tekton integrations'],
  }),
  broadcastConfigurationUpdateEvent: entry({
    name: 'BroadcastConfigurationUpdateEvent',
    protocol: '17/SCMP',
    schema: scmpMessages.broadcastConfigurationUpdateEventSchema,
    referenceSchemaFile: '0017-broadcast_configuration_update.avsc',
    codec: scmpMessages.broadcastConfigurationUpdateEventCodec,
    subject: scmp.broadcast('{tekton-instance}', 'upsert').replace(/upsert$/u, ACTION),
    producer: 'tekton',
    consumers: ['ecr', 'any Kaa service', 'tekton integrations'],
  }),
  serviceSpecificConfigurationUpdateEvent: entry({
    name: 'ServiceSpecificConfigurationUpdateEvent',
    protocol: '17/SCMP',
    schema: scmpMessages.serviceSpecificConfigurationUpdateEventSchema,
    referenceSchemaFile: '0017-service_specific_configuration_update.avsc',
    codec: scmpMessages.serviceSpecificConfigurationUpdateEventCodec,
    subject: scmp.targeted('{target-instance}', 'upsert').replace(/upsert$/u, ACTION),
    producer: 'tekton',
    consumers: ['the target instance: ecr or any Kaa service'],
  }),
  endpointRegisteredEvent: entry({
    name: 'EndpointRegisteredEvent',
    protocol: '9/ELCE',
    schema: elceMessages.endpointRegisteredEventSchema,
    referenceSchemaFile: '0009-ep-registered.avsc',
    codec: elceMessages.endpointRegisteredEventCodec,
    subject: elce.lifecycle('{originator}', 'registered'),
    producer: 'EPR (endpoint register)',
    consumers: ['ecr'],
  }),
  endpointUnregisteredEvent: entry({
    name: 'EndpointUnregisteredEvent',
    protocol: '9/ELCE',
    schema: elceMessages.endpointUnregisteredEventSchema,
    referenceSchemaFile: '0009-ep-unregistered.avsc',
    codec: elceMessages.endpointUnregisteredEventCodec,
    subject: elce.lifecycle('{originator}', 'unregistered'),
    producer: 'EPR (endpoint register)',
    consumers: ['ecr'],
  }),
  endpointAppVersionUpdatedEvent: entry({
    name: 'EndpointAppVersionUpdatedEvent',
    protocol: '9/ELCE',
    schema: elceMessages.endpointAppVersionUpdatedEventSchema,
    referenceSchemaFile: '0009-ep-appversion-updated.avsc',
    codec: elceMessages.endpointAppVersionUpdatedEventCodec,
    subject: elce.lifecycle('{originator}', 'appversion-updated'),
    producer: 'EPR (endpoint register)',
    consumers: ['ecr'],
  }),
  tenantUpdatedEvent: entry({
    name: 'TenantUpdatedEvent',
    protocol: '21/TLE',
    schema: tleMessages.tenantUpdatedEventSchema,
    referenceSchemaFile: '0021-tenant-updated.avsc',
    codec: tleMessages.tenantUpdatedEventCodec,
    subject: tle.lifecycle('{originator}', 'updated'),
    producer: 'tenant manager',
    consumers: ['ecr', 'every service'],
  }),
  tenantUnregisteredEvent: entry({
    name: 'TenantUnregisteredEvent',
    protocol: '21/TLE',
    schema: tleMessages.tenantUnregisteredEventSchema,
    referenceSchemaFile: '0021-tenant-unregistered.avsc',
    codec: tleMessages.tenantUnregisteredEventCodec,
    subject: tle.lifecycle('{originator}', 'unregistered'),
    producer: 'tenant manager',
    consumers: ['ecr', 'every service (purge the tenant)'],
  }),
  systemConfigUpdated: entry({
    name: 'SystemConfigUpdated',
    protocol: '0027',
    schema: systemConfigUpdatedSchema,
    referenceSchemaFile: '0027-system-config-updated.avsc',
    codec: systemConfigUpdatedCodec,
    subject: systemConfig.updated('{originator}'),
    producer: 'ecr (system configurations, via its outbox)',
    consumers: ['any Kaa service', 'SystemConfigClient of @kaa/tekton-client'],
  }),
  watchEvent: entry({
    name: 'WatchEvent',
    protocol: 'watch',
    schema: watchEventSchema,
    referenceSchemaFile: null,
    codec: watchEventCodec,
    subject: watch.changed('{watcher-instance}', '{component}'),
    producer: 'watcher (JetStream, message id = eventId)',
    consumers: ['services using the watch listener library', 'tekton integrations'],
  }),
};

export type MessageKey = keyof MessageCatalogue;

/** The catalogue as a Markdown table; the README embeds it and a spec keeps the two in sync. */
export function renderSubjectCatalogue(): string {
  const rows = Object.values(messageCatalogue).map(
    (m) =>
      `| ${m.protocol} | ${m.name} | \`${m.subject}\` | ${m.producer} | ${m.consumers.join(', ')} | ${
        m.referenceSchemaFile ? `\`${m.referenceSchemaFile}\`` : `\`${m.schemaName}\` (ours)`
      } |`,
  );
  return [
    '| protocol | message | subject | producer | consumers | schema |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) => row.replace(/\{upsert\|delete\}/gu, '{upsert\\|delete}')),
  ].join('\n');
}
