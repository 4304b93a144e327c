import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DevIssuer, dropSchema, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile, type DevClient } from '@kaa/testing';
import { createTektonApp } from '../src/app.js';
import { loadTektonEnv } from '../src/config/env.js';

export const SERVICE_INSTANCES_YAML = `
kaa:
  service-instances:
    ecr:
      serviceName: ecr
      serviceGroup: configuration
      description: Endpoint Configuration Repository
      urlPrefix: /ecr
      appConfigurationSchema:
        type: object
        properties:
          endpoint-configuration:
            type: object
            properties:
              schema-required: { type: boolean }
              schema: { type: object }
            additionalProperties: false
      appVersionConfigurationSchema:
        type: object
        properties:
          endpointConfigurationSchema: { type: object }
    cmx:
      serviceName: cmx
      serviceGroup: communication
      appConfigurationSchema:
        type: object
        properties:
          push-on-connect: { type: boolean }
`;

export interface Tekton {
  app: NestFastifyApplication;
  issuer: DevIssuer;
  instance: string;
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts tekton in-process on its own schema and instance name, with a dev issuer for tenants. */
export async function startTekton(options: { tenants?: string[]; clients?: DevClient[]; databaseUrl?: string; natsUrl?: string; instance?: string; replicaId?: string; instancesYaml?: string; env?: Record<string, string> } = {}): Promise<Tekton> {
  const issuer = await DevIssuer.start({ tenants: options.tenants ?? ['acme', 'globex', 'kaa'], clients: options.clients });
  const instance = options.instance ?? uniqueName('tekton');
  const tenantsFile = await writeTempFile('tenants.json', JSON.stringify(issuer.tenants()));
  const instancesFile = await writeTempFile('service-instances.yaml', options.instancesYaml ?? SERVICE_INSTANCES_YAML);
  const app = await createTektonApp(
    loadTektonEnv({
      DATABASE_URL: options.databaseUrl ?? testDatabaseUrl(),
      NATS_URL: options.natsUrl ?? testNatsUrl(),
      SERVICE_INSTANCE_NAME: instance,
      REPLICA_ID: options.replicaId,
      TENANTS_FILE: tenantsFile,
      SERVICE_INSTANCES_FILE: instancesFile,
      LOG_LEVEL: 'silent',
      SECRETS_ENCRYPTION_KEY: 'test-key-0123456789abcdef0123456789abcdef',
      ...options.env,
    }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1`;
  return {
    app,
    issuer,
    instance,
    baseUrl,
    async close() {
      await app.close();
      await issuer.close();
      await dropSchema(instance);
    },
  };
}

export interface Call {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** A tiny HTTP client: JSON in and out, bearer token, extra headers. */
export function client(baseUrl: string, token?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
}

export const ALL_SCOPES = [
  'application:read',
  'application:update',
  'application:delete',
  'tenant:application:create',
  'kaa:application:read',
  'kaa:application:update',
  'kaa:tenant:configuration:read',
];
