import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DevIssuer, dropSchema, eventually, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from '@kaa/testing';
import { createEcrApp } from '../src/app.js';
import { loadEcrEnv } from '../src/config/env.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A Kaa RFC reference schema (copied into libs/protocols/reference/kaa-rfcs). */
export function referenceType(file: string): avro.Type {
  const dir = resolve(repoRoot, 'libs/protocols/reference/kaa-rfcs');
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

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export const TEKTON_SCOPES = ['application:read', 'application:update', 'application:delete', 'tenant:application:create'];

/** ECR's service account at tekton: the platform tenant, reading every tenant. */
export const ecrClient = (clientId: string) => ({ clientId, clientSecret: 'ecr-secret', tenant: 'kaa', scope: 'kaa:application:read kaa:tenant:configuration:read' });

export interface RunningTekton {
  url: string;
  instance: string;
  close(): Promise<void>;
}

/** A running tekton, built and started as a child process (apps never import each other). */
export async function startTektonProcess(options: { issuer: DevIssuer; ecrInstance: string }): Promise<RunningTekton> {
  execFileSync(process.execPath, [resolve(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'apps/tekton/tsconfig.build.json'], { cwd: repoRoot, stdio: 'pipe' });
  const instance = uniqueName('tekton');
  const port = await freePort();
  const instancesFile = await writeTempFile(
    'service-instances.json',
    JSON.stringify({
      kaa: {
        'service-instances': {
          [options.ecrInstance]: {
            serviceName: 'ecr',
            serviceGroup: 'configuration',
            appConfigurationSchema: { type: 'object', properties: { 'endpoint-configuration': { type: 'object' } } },
            appVersionConfigurationSchema: { type: 'object', properties: { endpointConfigurationSchema: { type: ['object', 'string'] } } },
          },
        },
      },
    }),
  );
  const tekton: ChildProcess = spawn(process.execPath, [resolve(repoRoot, 'apps/tekton/dist/main.js')], {
    cwd: repoRoot,
    env: {
      PATH: process.env['PATH'],
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(),
      NATS_URL: testNatsUrl(),
      SERVICE_INSTANCE_NAME: instance,
      TENANTS_FILE: await writeTempFile('tenants.json', JSON.stringify(options.issuer.tenants())),
      SERVICE_INSTANCES_FILE: instancesFile,
      SECRETS_ENCRYPTION_KEY: 'ecr-test-key-that-is-long-enough-0123456789',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  tekton.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  tekton.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await fetch(`${url}/health`).catch(() => undefined))?.status === 200 ? true : undefined), 30_000, 200).catch((error: Error) => {
    throw new Error(`${error.message}\ntekton output:\n${output}`);
  });
  return {
    url,
    instance,
    close: async () => {
      if (tekton.exitCode === null) {
        const exited = new Promise((done) => tekton.once('exit', done));
        tekton.kill('SIGTERM');
        await exited;
      }
      await dropSchema(instance);
    },
  };
}

/** ECR's settings for reading its tree and the owners from that tekton. */
export function tektonEnv(issuer: DevIssuer, tekton: RunningTekton, clientId: string): Record<string, string> {
  return {
    TEKTON_URL: tekton.url,
    TOKEN_URL: issuer.tokenUrlFor('kaa'),
    CLIENT_ID: clientId,
    CLIENT_SECRET: 'ecr-secret',
    TEKTON_INSTANCE_NAME: tekton.instance,
    TEKTON_START_TIMEOUT_MS: '10000',
  };
}
