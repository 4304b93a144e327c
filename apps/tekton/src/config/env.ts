import { z } from 'zod';
import { loadEnv, requireTenantSource, serviceEnvShape } from '@kaa/config';
import { parseAllowedNetworks } from '../integrations/egress/egress-policy.js';

export const envShape = {
  ...serviceEnvShape({ port: 8081, instanceName: 'tekton' }),
  /** YAML or JSON file with the `kaa.service-instances` map (read once at start). */
  SERVICE_INSTANCES_FILE: z.string({ error: 'required: the YAML or JSON file with the kaa.service-instances map' }).min(1),
  /** Tenant whose service accounts may read every tenant's configs through the export paths. */
  PLATFORM_TENANT: z.string().min(1).default('kaa'),
  /** Integrations: key (>= 32 characters) from which the provider-secret encryption key is derived. */
  SECRETS_ENCRYPTION_KEY: z.string({ error: 'required: at least 32 characters; provider secrets are encrypted with a key derived from it' }).min(32, 'must be at least 32 characters'),
  /** Integrations: first retry delay and the cap of the exponential backoff, in milliseconds. */
  INTEGRATIONS_RETRY_BASE_MS: z.coerce.number().int().min(1).default(1000),
  INTEGRATIONS_RETRY_MAX_MS: z.coerce.number().int().min(1).default(300_000),
  /** Integrations: sends per delivery before it is dead-lettered. */
  INTEGRATIONS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** Integrations: how often the delivery worker looks for due deliveries when not woken earlier. */
  INTEGRATIONS_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** Integrations: events (and their deliveries) older than this are purged unless a delivery is still pending. */
  INTEGRATIONS_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Integrations: providers and notifications one tenant may have. */
  INTEGRATIONS_MAX_PROVIDERS_PER_TENANT: z.coerce.number().int().min(1).max(10_000).default(100),
  INTEGRATIONS_MAX_NOTIFICATIONS_PER_TENANT: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Integrations: JetStream intake stream (shared by the tekton instances of a NATS account): replicas, and how long and how much it keeps. */
  INTEGRATIONS_INTAKE_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  INTEGRATIONS_INTAKE_MAX_AGE_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  INTEGRATIONS_INTAKE_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).default(1024 * 1024 * 1024),
  /** Integrations: worker threads that run notification filters, off the event loop (one suits 2 cores). */
  INTEGRATIONS_MATCH_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  /** Largest stored configuration (its JSON, in bytes): larger ones are refused with 413. */
  TEKTON_CONFIG_MAX_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  /** A history entry whose diff is larger than this (JSON, in bytes) carries `diffOmitted` instead. */
  TEKTON_HISTORY_DIFF_MAX_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  /** Applications one tenant may have, and versions one application may have. */
  TEKTON_MAX_APPLICATIONS_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(1000),
  TEKTON_MAX_VERSIONS_PER_APPLICATION: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Integrations: comma-separated CIDRs, addresses and host names providers may reach beyond
   * public unicast addresses (loopback, private, link-local… are refused unless listed).
   */
  INTEGRATIONS_ALLOWED_NETWORKS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseAllowedNetworks(value ?? '');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
};

export type TektonEnv = ReturnType<typeof loadTektonEnv>;

/** The one place that reads process.env; a bad value stops the process naming the variable. */
export function loadTektonEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv(envShape, source, requireTenantSource);
}
