import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** A name that is safe as a 3/ISM subject token, a queue group and a Postgres schema. */
export const INSTANCE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

export class ConfigError extends Error {
  constructor(readonly issues: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.map((p) => p.replace(':', '://')).join(' or ')}` },
  );

export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  postgresUrl: () => urlWithProtocols(['postgres:', 'postgresql:']),
  natsUrl: () =>
    z
      .string()
      .refine((v) => v.split(',').every((s) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(s.trim()) || /^[^\s:/]+:\d+$/.test(s.trim())), {
        message: 'must be a nats:// URL (comma-separated for a cluster)',
      }),
  httpUrl: () => urlWithProtocols(['http:', 'https:']),
  instanceName: (fallback: string) =>
    z
      .string()
      .regex(INSTANCE_NAME_PATTERN, 'must be lower-case letters, digits and "-", starting with a letter (at most 63 characters)')
      .default(fallback),
  list: () =>
    z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1')),
};

/** The variables every service reads (the operational interface documented in each app's README). */
export function serviceEnvShape(defaults: { port: number; instanceName: string }) {
  return {
    PORT: env.port(defaults.port),
    DATABASE_URL: env.postgresUrl().default('postgres://postgres@127.0.0.1:5432/postgres'),
    NATS_URL: env.natsUrl().default('nats://127.0.0.1:4222'),
    SERVICE_INSTANCE_NAME: env.instanceName(defaults.instanceName),
    REPLICA_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
      .default(() => randomBytes(6).toString('hex')),
    TENANTS_FILE: z.string().min(1).optional(),
    TENANT_MANAGER_URL: env.httpUrl().optional(),
    TENANT_REFRESH_SECONDS: z.coerce.number().int().min(1).default(60),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    /** Required `aud` of every token whose tenant entry names no audience of its own. */
    JWT_AUDIENCE: z.string().min(1).optional(),
    JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
    /** Requests per tenant (per client IP before its token is verified) and window; 0 = no limit. */
    RATE_LIMIT_PER_TENANT: z.coerce.number().int().min(0).default(600),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(10),
    ...natsCredentialsEnvShape(),
  };
}

/** How a service authenticates to NATS; at most one of user/password, token, NKey and creds file. */
export function natsCredentialsEnvShape() {
  return {
    NATS_USER: z.string().min(1).optional(),
    NATS_PASSWORD: z.string().min(1).optional(),
    NATS_TOKEN: z.string().min(1).optional(),
    /** An NKey user seed (`SU...`), or NATS_NKEY_FILE: a file holding one. */
    NATS_NKEY_SEED: z.string().regex(/^SU[A-Z2-7]{56}$/, 'must be an NKey user seed (SU..., 58 characters)').optional(),
    NATS_NKEY_FILE: z.string().min(1).optional(),
    /** A `.creds` file (user JWT + NKey seed) for decentralized auth. */
    NATS_CREDS_FILE: z.string().min(1).optional(),
    NATS_TLS_CA_FILE: z.string().min(1).optional(),
    NATS_TLS_CERT_FILE: z.string().min(1).optional(),
    NATS_TLS_KEY_FILE: z.string().min(1).optional(),
  };
}

type NatsCredentialsEnv = { [K in keyof ReturnType<typeof natsCredentialsEnvShape>]?: string };

/** The NATS credential rules shared by all services: one way to authenticate, complete pairs. */
export function requireConsistentNatsCredentials(value: NatsCredentialsEnv) {
  const problems: { variable: string; message: string }[] = [];
  if (!!value.NATS_USER !== !!value.NATS_PASSWORD) {
    problems.push({ variable: value.NATS_USER ? 'NATS_PASSWORD' : 'NATS_USER', message: 'NATS_USER and NATS_PASSWORD go together' });
  }
  const ways = [
    value.NATS_USER && 'NATS_USER',
    value.NATS_TOKEN && 'NATS_TOKEN',
    value.NATS_NKEY_SEED && 'NATS_NKEY_SEED',
    value.NATS_NKEY_FILE && 'NATS_NKEY_FILE',
    value.NATS_CREDS_FILE && 'NATS_CREDS_FILE',
  ].filter((v): v is string => !!v);
  if (ways.length > 1) problems.push({ variable: ways[1] ?? 'NATS_USER', message: `set only one way to authenticate to NATS (found ${ways.join(', ')})` });
  if (!!value.NATS_TLS_CERT_FILE !== !!value.NATS_TLS_KEY_FILE) {
    problems.push({ variable: value.NATS_TLS_CERT_FILE ? 'NATS_TLS_KEY_FILE' : 'NATS_TLS_CERT_FILE', message: 'NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together' });
  }
  return problems;
}

/**
 * Validates the environment once. Every problem is reported with the variable's name;
 * nothing downstream reads process.env.
 */
export function loadEnv<S extends z.ZodRawShape>(
  shape: S,
  source: NodeJS.ProcessEnv = process.env,
  refine?: (value: z.infer<z.ZodObject<S>>) => { variable: string; message: string }[],
): z.infer<z.ZodObject<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const raw = source[key];
    input[key] = raw === '' ? undefined : raw;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  const problems = [...requireConsistentNatsCredentials(result.data as NatsCredentialsEnv), ...(refine?.(result.data) ?? [])];
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/** The tenant source rule shared by all services: exactly one of the two variables. */
export function requireTenantSource(value: { TENANTS_FILE?: string; TENANT_MANAGER_URL?: string }) {
  if (!value.TENANTS_FILE && !value.TENANT_MANAGER_URL) {
    return [{ variable: 'TENANTS_FILE', message: 'set TENANTS_FILE or TENANT_MANAGER_URL (where the tenants and their OAuth issuers come from)' }];
  }
  if (value.TENANTS_FILE && value.TENANT_MANAGER_URL) {
    return [{ variable: 'TENANT_MANAGER_URL', message: 'set only one of TENANTS_FILE and TENANT_MANAGER_URL' }];
  }
  return [];
}
