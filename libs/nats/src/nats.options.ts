import type { NatsCredentials } from './nats-credentials.js';

export interface NatsModuleOptions {
  servers: string;
  /** The service instance name: queue groups and connection names derive from it. */
  instanceName: string;
  replicaId: string;
  /** Service kind, e.g. `ecr`; used in the connection name only. */
  service: string;
  /** Credentials and TLS; absent: an unauthenticated, plain connection. */
  credentials?: NatsCredentials;
}

export const NATS_OPTIONS = Symbol('kaa:nats-options');

/** Header names the platform sets on NATS messages (payloads stay raw Avro). */
export const NatsHeaders = {
  correlationId: 'Kaa-Correlation-Id',
  originatorReplicaId: 'Kaa-Originator-Replica',
  /** The service instance that produced the message (its replicas share it). */
  originatorInstance: 'Kaa-Originator-Instance',
  /** Marks messages produced by the notifier so that it never reacts to its own output. */
  producedBy: 'Kaa-Produced-By',
  /**
   * On 27/SCMP SystemConfigUpdated: the change's number, increasing per configuration (name,
   * level, level id, tenant), so a follower drops a message delivered twice or late.
   */
  configRevision: 'Kaa-Config-Revision',
} as const;
