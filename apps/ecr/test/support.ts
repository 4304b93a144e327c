import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DevIssuer, dropSchema, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from '@kaa/testing';
import { createEcrApp } from '../src/app.js';
import { loadEcrEnv } from '../src/config/env.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A Kaa RFC reference schema (../shared/specs/kaa-rfcs, or $KAA_RFCS_DIR). */
export function referenceType(file: string): avro.Type {
  const dir = process.env['KAA_RFCS_DIR'] ?? resolve(repoRoot, '../shared/specs/kaa-rfcs');
  return avro.Type.forSchema(JSON.parse(readFileSync(resolve(dir, file), 'utf8')));
}

export const reference = {
  request: () => referenceType('0006-config-request.avsc'),
  response: () => referenceType('0006-config-response.avsc'),
  updated: () => referenceType('0006-config-updated.avsc'),
  applied: () => referenceType('0006-config-applied.avsc'),
  unregistered: () => referenceType('0009-ep-unregistered.avsc'),
  tenantUnregistered: () => referenceType('0021-tenant-unregistered.avsc'),
};

export const ALL_SCOPES = [
  'endpoint:read',
  'endpoint:update',
  'endpoint:delete',
  'application:endpoint-config:read',
  'application:endpoint-config:update',
  'application:endpoint-config:delete',
];

export interface RunningEcr {
  app: NestFastifyApplication;
  base: string;
  instance: string;
  close(): Promise<void>;
}

export interface AppConfigFile {
  kaa: { applications: Record<string, Record<string, unknown>>; tenants?: Record<string, unknown> };
}

/** The app config with each owned application's `tenantId` set (the application added if missing). */
export function withOwners(appConfig: AppConfigFile | undefined, owners: Record<string, string> | undefined): AppConfigFile | undefined {
  if (owners === undefined) return appConfig;
  const applications = { ...(appConfig?.kaa.applications ?? {}) };
  for (const [app, tenantId] of Object.entries(owners)) applications[app] = { ...applications[app], tenantId };
  return { kaa: { ...appConfig?.kaa, applications } };
}

export async function startEcr(options: {
  issuer: DevIssuer;
  instance?: string;
  appConfig?: AppConfigFile;
  /** Application → owning tenant, written into the app config file (`kaa.applications.{app}.tenantId`). */
  owners?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<RunningEcr> {
  const instance = options.instance ?? uniqueName('ecr');
  const tenantsFile = await writeTempFile('tenants.json', JSON.stringify(options.issuer.tenants()));
  const appConfig = withOwners(options.appConfig, options.owners);
  const appConfigFile = appConfig === undefined ? undefined : await writeTempFile('ecr-config.json', JSON.stringify(appConfig));
  const env = loadEcrEnv({
    PORT: '0',
    DATABASE_URL: testDatabaseUrl(),
    NATS_URL: testNatsUrl(),
    SERVICE_INSTANCE_NAME: instance,
    TENANTS_FILE: tenantsFile,
    LOG_LEVEL: 'silent',
    ...(appConfigFile ? { APP_CONFIG_FILE: appConfigFile } : {}),
    ...options.env,
  });
  const app = await createEcrApp(env);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1`;
  return {
    app,
    base,
    instance,
    close: async () => {
      await app.close();
      await dropSchema(instance);
    },
  };
}

export function natsConnection(): Promise<NatsConnection> {
  return connect({ servers: testNatsUrl() });
}

/** `fetch` with a bearer token and JSON body. */
export function api(base: string, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, headers: response.headers, body: json as any };
  };
}
