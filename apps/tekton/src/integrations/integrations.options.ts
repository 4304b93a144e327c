import type { AllowedNetworks } from './egress/egress-policy.js';
import type { IntakeStreamSettings } from './messaging/intake-stream.js';

/** Settings of the integrations module, taken from tekton's validated environment. */
export interface IntegrationsOptions {
  secretsEncryptionKey: string;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  pollMs: number;
  /** Events older than this, with no delivery still pending, are purged with their deliveries. */
  retentionDays: number;
  /** Events without a tenant go to this tenant's notifications only. */
  platformTenant: string;
  /** Where providers may point beyond public unicast addresses. */
  allowedNetworks: AllowedNetworks;
  instanceName: string;
  replicaId: string;
  /** Providers and notifications one tenant may have. */
  maxProvidersPerTenant: number;
  maxNotificationsPerTenant: number;
  /** Worker threads that run notification filters (off the event loop that serves requests). */
  matchWorkers: number;
  /** The JetStream stream platform events are read from. */
  intake: IntakeStreamSettings;
}

export const INTEGRATIONS_OPTIONS = Symbol('kaa:integrations-options');

export const PROVIDER_TYPES = ['generic', 'generic-hmac', 'slack', 'github'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Marks everything the notifier sends (HTTP header) so that it never reacts to its own output. */
export const PRODUCED_BY_HTTP_HEADER = 'X-Kaa-Produced-By';
export const PRODUCED_BY_VALUE = 'tekton-integrations';
