import { z } from 'zod';
import { env, loadEnv, requireTenantSource, serviceEnvShape } from '@kaa/config';

export const envShape = {
  ...serviceEnvShape({ port: 8083, instanceName: 'watcher' }),
  /** The tenant whose tokens may call installation-wide operations (CA rotation). */
  PLATFORM_TENANT: z.string().min(1).default('kaa'),
  /** The mutual-TLS listener's own port, separate from the REST port. */
  LISTENER_PORT: env.port(8443),
  LISTENER_HOST: z.string().min(1).default('0.0.0.0'),
  /** Extra DNS names / IPs for the listener's server certificate (localhost and 127.0.0.1 are always in). */
  LISTENER_HOSTNAMES: env.list(),
  /** Peer addresses whose `X-Forwarded-Client-Cert` header is honoured. */
  TRUSTED_PROXIES: env.list(),
  /** Derives the key that encrypts the CA private key at rest. */
  WATCHER_CA_KEY_SECRET: z.string({ error: 'required (at least 32 characters)' }).min(32, 'must be at least 32 characters'),
  CA_VALIDITY_DAYS: z.coerce.number().int().min(1).default(3650),
  CLIENT_CERT_VALIDITY_DAYS: z.coerce.number().int().min(1).default(60),
  /** How long the previous CA stays in the trust bundle after a CA rotation. */
  CA_ROTATION_GRACE_SECONDS: z.coerce.number().int().min(0).default(4 * 24 * 3600),
  /** How often the listener re-reads the CA bundle (other replicas' rotations, end of grace periods). */
  LISTENER_REFRESH_SECONDS: z.coerce.number().int().min(1).default(60),
  /**
   * JetStream duplicate window: a retried POST within it is delivered once. A retry horizon, not a
   * change-collapsing window: identical hints within it collapse into one.
   */
  WATCH_DUPLICATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(10),
  /** How long the watch stream keeps events (`max_age`); at least the duplicate window. */
  WATCH_STREAM_MAX_AGE_SECONDS: z.coerce.number().int().min(1).default(7 * 24 * 3600),
  /**
   * How long the listener may reuse a sender's and a component's records; changes made on this
   * replica apply at once, changes on another replica within this time. 0 disables it.
   */
  LISTENER_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** How long the listener waits for JetStream's acknowledgement before answering 503. */
  JETSTREAM_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** Runtimes and watchers one tenant may have (and the largest page of their lists). */
  WATCHER_MAX_RUNTIMES_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(1000),
  WATCHER_MAX_WATCHERS_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(1000),
};

export type WatcherEnv = ReturnType<typeof loadWatcherEnv>;

/** The one place that reads process.env; a bad value stops the process naming the variable. */
export function loadWatcherEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv(envShape, source, (value) => [...requireTenantSource(value), ...streamLimits(value)]);
}

function streamLimits(value: { WATCH_DUPLICATE_WINDOW_SECONDS: number; WATCH_STREAM_MAX_AGE_SECONDS: number }) {
  if (value.WATCH_STREAM_MAX_AGE_SECONDS >= value.WATCH_DUPLICATE_WINDOW_SECONDS) return [];
  return [
    {
      variable: 'WATCH_STREAM_MAX_AGE_SECONDS',
      message: `must be at least WATCH_DUPLICATE_WINDOW_SECONDS (${value.WATCH_DUPLICATE_WINDOW_SECONDS})`,
    },
  ];
}

/** Injection token for the validated environment. */
export const WATCHER_ENV = Symbol('kaa:watcher-env');
