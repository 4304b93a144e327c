import { createCodec, type Codec } from '../avro/codec.js';
import {
  correlationIdField,
  originatorReplicaIdField,
  timeoutField,
  timestampField,
  type AvroRecordSchema,
  type WithDefaults,
} from '../avro/schema.js';

const ELCE_NAMESPACE = 'org.kaaproject.ipc.event.gen.v1.endpoint.lifecycle';

/** 9/ELCE: an endpoint registered. Unlike CDTP events, `originatorReplicaId` is required here. */
export interface EndpointRegisteredEvent {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  endpointId: string;
  originatorReplicaId: string;
}
export type EndpointRegisteredEventInput = WithDefaults<EndpointRegisteredEvent, 'timeout'>;

export const endpointRegisteredEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'RegisteredEvent',
  namespace: ELCE_NAMESPACE,
  doc: 'Endpoint registered event message',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: 'Application version name the endpoint registered with' },
    { name: 'endpointId', type: 'string', doc: 'Identifier of the endpoint that registered with the server' },
    originatorReplicaIdField,
  ],
};

export const endpointRegisteredEventCodec: Codec<EndpointRegisteredEvent, EndpointRegisteredEventInput> = createCodec<EndpointRegisteredEvent, EndpointRegisteredEventInput>(
  endpointRegisteredEventSchema,
);

/** 9/ELCE: an endpoint unregistered; ECR deletes its configs and history for that app version. */
export interface EndpointUnregisteredEvent {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  endpointId: string;
  originatorReplicaId: string;
}
export type EndpointUnregisteredEventInput = WithDefaults<EndpointUnregisteredEvent, 'timeout'>;

export const endpointUnregisteredEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'UnregisteredEvent',
  namespace: ELCE_NAMESPACE,
  doc: 'Endpoint unregistered event message',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: 'Application version name the endpoint unregistered from' },
    { name: 'endpointId', type: 'string', doc: 'Identifier of the endpoint that unregistered from the server' },
    originatorReplicaIdField,
  ],
};

export const endpointUnregisteredEventCodec: Codec<EndpointUnregisteredEvent, EndpointUnregisteredEventInput> = createCodec<EndpointUnregisteredEvent, EndpointUnregisteredEventInput>(
  endpointUnregisteredEventSchema,
);

/** 9/ELCE: an endpoint moved to another application version. */
export interface EndpointAppVersionUpdatedEvent {
  correlationId: string;
  timestamp: number;
  timeout: number;
  appVersionName: string;
  previousAppVersionName: string;
  endpointId: string;
  originatorReplicaId: string;
}
export type EndpointAppVersionUpdatedEventInput = WithDefaults<EndpointAppVersionUpdatedEvent, 'timeout'>;

export const endpointAppVersionUpdatedEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'AppVersionUpdatedEvent',
  namespace: ELCE_NAMESPACE,
  doc: "Endpoint's application version updated event message",
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    { name: 'appVersionName', type: 'string', doc: 'Application version name the endpoint updated to' },
    { name: 'previousAppVersionName', type: 'string', doc: 'The previous application version name the endpoint was registered in' },
    { name: 'endpointId', type: 'string', doc: 'Identifier of the endpoint' },
    originatorReplicaIdField,
  ],
};

export const endpointAppVersionUpdatedEventCodec: Codec<
  EndpointAppVersionUpdatedEvent,
  EndpointAppVersionUpdatedEventInput
> = createCodec<
  EndpointAppVersionUpdatedEvent,
  EndpointAppVersionUpdatedEventInput
>(endpointAppVersionUpdatedEventSchema);
