import { z } from 'zod';
import { env, INSTANCE_NAME_PATTERN, loadEnv, requireTenantSource, serviceEnvShape } from '@kaa/config';

/** `*` subscribes to ConfigApplied from every consumer instance. */
export const ANY_CONSUMER = '*';

export const envShape = {
  ...serviceEnvShape({ port: 8082, instanceName: 'ecr' }),
  /** Tekton's base URL; when set, schemas come from Tekton (REST + 17/SCMP). */
  TEKTON_URL: env.httpUrl().optional(),
  TOKEN_URL: env.httpUrl().optional(),
  CLIENT_ID: z.string().min(1).optional(),
  CLIENT_SECRET: z.string().min(1).optional(),
  /** Scope requested with the client-credentials token for Tekton (optional). */
  TEKTON_TOKEN_SCOPE: z.string().min(1).optional(),
  /** Tekton instance whose 17/SCMP broadcasts to follow; absent = any. */
  TEKTON_INSTANCE_NAME: z.string().regex(INSTANCE_NAME_PATTERN, 'must be a service instance name').optional(),
  /** How long the start waits for Tekton's first answer before failing. */
  TEKTON_START_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Without Tekton: the same `kaa.applications` tree from a YAML or JSON file. */
  APP_CONFIG_FILE: z.string().min(1).optional(),
  APP_CONFIG_WATCH: env.bool(false),
  CDTP_CONSUMER_INSTANCES: env
    .list()
    .transform((list) => (list.length === 0 ? [ANY_CONSUMER] : list))
    .refine((list) => list.every((name) => name === ANY_CONSUMER || INSTANCE_NAME_PATTERN.test(name)), {
      message: 'must be a comma list of service instance names, or *',
    }),
  TENANTS_ALLOWED: env.list(),
  /** The tenant whose tokens reach every tenant's system configurations. */
  PLATFORM_TENANT: z.string().min(1).default('kaa'),
  /** Config lookups each replica keeps in memory (6/CDTP pulls, REST reads); 0 = no cache. */
  CONFIG_CACHE_ENTRIES: z.coerce.number().int().min(0).default(10_000),
  /** Longest a cached lookup is served; changes are normally announced to every replica at once. */
  CONFIG_CACHE_TTL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Endpoint ids one `PUT /endpoints/batch` may name (one transaction, one ConfigUpdated each). */
  ECR_BATCH_MAX_ENDPOINTS: z.coerce.number().int().min(1).default(1000),
  /** Largest configuration (default or endpoint) stored, in bytes of its JSON text. */
  ECR_CONFIG_MAX_BYTES: z.coerce.number().int().min(2).default(256 * 1024),
  STATUSES_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Kaa Endpoint Registry's base URL (without `/api/v1`); `PUT /endpoints/filters/{id}` asks it which endpoints a filter holds. */
  EPR_URL: env.httpUrl().optional(),
  /** Scope requested with the client-credentials token for EPR (optional). */
  EPR_TOKEN_SCOPE: z.string().min(1).optional(),
};

export type EcrEnv = ReturnType<typeof loadEcrEnv>;

/** The one place that reads process.env; a bad value stops the process naming the variable. */
export function loadEcrEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv(envShape, source, (value) => {
    const problems = requireTenantSource(value);
    if (value.TEKTON_URL && value.APP_CONFIG_FILE) {
      problems.push({ variable: 'APP_CONFIG_FILE', message: 'set only one of TEKTON_URL and APP_CONFIG_FILE' });
    }
    if (value.TEKTON_URL && !(value.TOKEN_URL && value.CLIENT_ID && value.CLIENT_SECRET)) {
      problems.push({ variable: 'TOKEN_URL', message: 'TEKTON_URL needs TOKEN_URL, CLIENT_ID and CLIENT_SECRET (client-credentials token for Tekton)' });
    }
    if (value.EPR_URL && !(value.TOKEN_URL && value.CLIENT_ID && value.CLIENT_SECRET)) {
      problems.push({ variable: 'TOKEN_URL', message: 'EPR_URL needs TOKEN_URL, CLIENT_ID and CLIENT_SECRET (client-credentials token for EPR)' });
    }
    return problems;
  });
}
