import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DevIssuer, dropSchema, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from '@kaa/testing';
import { watchStreamName } from '@kaa/watch-listener';
import { createWatcherApp } from '../src/app.js';
import { loadWatcherEnv } from '../src/config/env.js';
import { ListenerServer } from '../src/listener/listener.server.js';

export const CA_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const KYMA_GVK = { group: 'operator.kyma-project.io', version: 'v1beta2', kind: 'Kyma' };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A Kaa RFC reference schema (copied into libs/protocols/reference/kaa-rfcs). */
export function referenceType(file: string): avro.Type {
  const dir = resolve(repoRoot, 'libs/protocols/reference/kaa-rfcs');
  return avro.Type.forSchema(JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as avro.Schema);
}

/**
 * Tenant ids unique to this test process: 21/TLE events are installation-wide, so another
 * suite (or service) unregistering "acme" must not purge this suite's tenants.
 */
export const TENANTS = { acme: uniqueName('acme'), globex: uniqueName('globex'), platform: uniqueName('kaa') };

export interface Credentials {
  runtimeId: string;
  domain: string;
  certificate: string;
  privateKey: string;
  caBundle: string;
  serialNumber: string;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers?: Headers;
}

export interface Watcher {
  app: NestFastifyApplication;
  instance: string;
  baseUrl: string;
  listenerUrl: string;
  issuer: DevIssuer;
  /** REST call with a token of `tenant` (default {@link TENANTS}.acme) carrying `scope`. */
  api(method: string, path: string, body?: unknown, options?: { tenant?: string; scope?: string }): Promise<Reply>;
  register(runtimeId: string, domain: string, tenant?: string): Promise<Credentials>;
  close(): Promise<void>;
}

export async function startWatcher(options: { instance?: string; env?: Record<string, string>; issuer?: DevIssuer } = {}): Promise<Watcher> {
  const instance = options.instance ?? uniqueName('watcher');
  const issuer = options.issuer ?? (await DevIssuer.start({ tenants: [TENANTS.acme, TENANTS.globex, TENANTS.platform] }));
  const tenantsFile = await writeTempFile('tenants.json', JSON.stringify(issuer.tenants()));
  const env = loadWatcherEnv({
    SERVICE_INSTANCE_NAME: instance,
    DATABASE_URL: testDatabaseUrl(),
    NATS_URL: testNatsUrl(),
    TENANTS_FILE: tenantsFile,
    LOG_LEVEL: 'warn',
    LISTENER_PORT: '0',
    LISTENER_HOST: '127.0.0.1',
    WATCHER_CA_KEY_SECRET: CA_SECRET,
    PLATFORM_TENANT: TENANTS.platform,
    ...options.env,
  });
  const app = await createWatcherApp(env);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await app.close().catch(() => undefined);
    if (!options.issuer) await issuer.close();
    throw error;
  }
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const listenerUrl = `https://127.0.0.1:${app.get(ListenerServer).port()}`;
  const api: Watcher['api'] = async (method, path, body, opts = {}) => {
    const token = await issuer.mint(opts.tenant ?? TENANTS.acme, { scope: opts.scope ?? 'watcher:read watcher:update watcher:admin' });
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
  };
  return {
    app,
    instance,
    baseUrl,
    listenerUrl,
    issuer,
    api,
    async register(runtimeId, domain, tenant) {
      const res = await api('POST', '/runtimes', { runtimeId, domain }, { tenant });
      if (res.status !== 201) throw new Error(`register ${runtimeId}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as unknown as Credentials;
    },
    async close() {
      await app.close();
      if (!options.issuer) await issuer.close();
    },
  };
}

/** Removes what a suite left behind: the schema and the instance's JetStream stream. */
export async function cleanUp(instance: string): Promise<void> {
  await dropSchema(instance);
  const nc = await connect({ servers: testNatsUrl() });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(watchStreamName(instance)).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

export interface PostOptions {
  /** Client certificate and key; omitted: no client certificate. */
  credentials?: { certificate: string; privateKey: string };
  /** CA bundle to verify the listener with. */
  ca: string;
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  agent?: Agent;
}

export function eventBody(name: string, gvk = KYMA_GVK, namespace = 'kyma-system'): string {
  return JSON.stringify({ watched: { namespace, name }, watchedGvk: gvk });
}

/** One request over real TLS; a transport failure (e.g. a refused handshake) resolves to status 0. */
export function postEvent(listenerUrl: string, path: string, options: PostOptions): Promise<Reply & { error?: string }> {
  return new Promise((resolve) => {
    const body = options.body ?? '';
    const req = request(
      `${listenerUrl}${path}`,
      {
        method: options.method ?? 'POST',
        ca: options.ca,
        cert: options.credentials?.certificate,
        key: options.credentials?.privateKey,
        agent: options.agent ?? false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', (error) => resolve({ status: 0, body: {}, error: error.message }));
    req.end(body);
  });
}
