import { createCodec, type Codec } from '../avro/codec.js';
import {
  correlationIdField,
  optionalOriginatorReplicaIdField,
  timeoutField,
  timestampField,
  type AvroRecordSchema,
  type WithDefaults,
} from '../avro/schema.js';

/**
 * A remote runtime reported that a watched resource changed. A hint to re-check state: it
 * carries no object content. Our own schema, not a Kaa RFC.
 */
export interface WatchEvent {
  correlationId: string;
  timestamp: number;
  timeout: number;
  originatorReplicaId: string | null;
  /** The sender's client-certificate Common Name. */
  runtimeId: string;
  component: string;
  /** Empty for cluster-scoped resources. */
  watchedNamespace: string;
  watchedName: string;
  group: string;
  version: string;
  kind: string;
  /** Stable per accepted POST; the JetStream message id, so a retried POST is delivered once. */
  eventId: string;
}
export type WatchEventInput = WithDefaults<WatchEvent, 'timeout' | 'originatorReplicaId'>;

export const watchEventSchema: AvroRecordSchema = {
  type: 'record',
  name: 'WatchEvent',
  namespace: 'io.kaaconfig.watcher.v1',
  doc: 'A watched resource changed on a remote runtime',
  fields: [
    correlationIdField,
    timestampField,
    timeoutField,
    optionalOriginatorReplicaIdField,
    { name: 'runtimeId', type: 'string', doc: "Sender runtime id: its client certificate's subject Common Name" },
    { name: 'component', type: 'string', doc: 'Consuming component the event is addressed to' },
    { name: 'watchedNamespace', type: 'string', doc: 'Namespace of the watched object; empty when cluster-scoped' },
    { name: 'watchedName', type: 'string', doc: 'Name of the watched object' },
    { name: 'group', type: 'string', doc: 'API group of the watched kind; empty for the core group' },
    { name: 'version', type: 'string', doc: 'API version of the watched kind' },
    { name: 'kind', type: 'string', doc: 'Kind of the watched object' },
    { name: 'eventId', type: 'string', doc: 'Stable event id, used as the JetStream message id' },
  ],
};

export const watchEventCodec: Codec<WatchEvent, WatchEventInput> = createCodec<WatchEvent, WatchEventInput>(watchEventSchema);
