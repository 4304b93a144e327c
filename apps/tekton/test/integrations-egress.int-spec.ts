import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConfigError } from '@kaa/config';
import { DevIssuer, dropSchema, eventually, query, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from '@kaa/testing';
import { createTektonApp } from '../src/app.js';
import { loadTektonEnv } from '../src/config/env.js';
import { PlatformEventSink, type PlatformEvent } from '../src/events/platform-event.js';
import { DeliveryWorker } from '../src/integrations/delivery/delivery-worker.service.js';
import { SERVICE_INSTANCES_YAML } from './support.js';

const GITHUB_TOKEN = 'ghp_egress0123456789abcdef';
const SLACK_PATH = '/services/T0/B0/webhook-secret';

interface Receiver {
  url: string;
  port: number;
  requests: { method: string; url: string; headers: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** A local HTTP receiver on 127.0.0.1 answering with `reply`. */
async function receiver(reply: () => { status: number; body?: string; headers?: Record<string, string> } = () => ({ status: 200 })): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const answer = reply();
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

type Delivery = { eventId: string; status: string; attempts: number; lastError: string | null; lastStatusCode: number | null };

describe('integrations egress', () => {
  let issuer: DevIssuer;
  let app: NestFastifyApplication | undefined;
  let baseUrl: string;
  let files: { tenants: string; instances: string };
  const instance = uniqueName('tekton');
  const tokens: Record<string, string> = {};
  const receivers: Receiver[] = [];

  const env = (allowed: string) =>
    loadTektonEnv({
      DATABASE_URL: testDatabaseUrl(),
      NATS_URL: testNatsUrl(),
      SERVICE_INSTANCE_NAME: instance,
      TENANTS_FILE: files.tenants,
      SERVICE_INSTANCES_FILE: files.instances,
      SECRETS_ENCRYPTION_KEY: 'egress-test-encryption-key-0123456789abcdef',
      INTEGRATIONS_RETRY_BASE_MS: '20',
      INTEGRATIONS_RETRY_MAX_MS: '50',
      INTEGRATIONS_MAX_ATTEMPTS: '1',
      INTEGRATIONS_POLL_MS: '50',
      INTEGRATIONS_ALLOWED_NETWORKS: allowed,
      LOG_LEVEL: 'silent',
    });

  /** (Re)starts tekton on the same schema with this operator setting. */
  async function start(allowed: string) {
    await app?.close();
    app = await createTektonApp(env(allowed));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1`;
  }

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = tokens.acme) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function track(r: Promise<Receiver>) {
    const value = await r;
    receivers.push(value);
    return value;
  }

  async function setup(provider: Record<string, unknown>, application: string) {
    expect((await call('POST', '/providers', provider)).status).toBe(201);
    expect((await call('POST', '/notifications', { name: provider.name, providerRef: provider.name, filter: { applications: [application] } })).status).toBe(201);
  }

  async function record(...events: PlatformEvent[]) {
    const dataSource = app!.get<DataSource>(getDataSourceToken());
    await dataSource.transaction((manager) => app!.get(PlatformEventSink).record(manager, events));
  }

  const event = (application: string, overrides: Partial<PlatformEvent> = {}): PlatformEvent => ({
    id: randomUUID(),
    type: 'app-config.changed',
    tenantId: 'acme',
    application,
    serviceInstance: 'ecr',
    summary: `Configuration of ${application} changed`,
    occurredAt: new Date().toISOString(),
    ...overrides,
  });

  /** The delivery log of a notification once nothing in it is pending any more. */
  async function finished(notification: string): Promise<Delivery[]> {
    return eventually(async () => {
      const response = await call('GET', `/notifications/${notification}/deliveries`);
      const list = response.body as Delivery[];
      return list.length > 0 && list.every((d) => d.status !== 'pending') ? list : undefined;
    });
  }

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme'] });
    tokens.acme = await issuer.mint('acme', { scope: 'integration:read integration:update tenant:application:create application:read application:update' });
    files = {
      tenants: await writeTempFile('tenants.json', JSON.stringify(issuer.tenants())),
      instances: await writeTempFile('service-instances.yaml', SERVICE_INSTANCES_YAML),
    };
  });

  afterAll(async () => {
    await app?.close();
    await issuer?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await dropSchema(instance);
  });

  it('refuses a bad INTEGRATIONS_ALLOWED_NETWORKS at boot, naming the variable and the entry', () => {
    expect(() => env('10.0.0.0/8, 10.0.0.0/33')).toThrow(ConfigError);
    expect(() => env('10.0.0.0/8, 10.0.0.0/33')).toThrow(/INTEGRATIONS_ALLOWED_NETWORKS: not a CIDR, IP address or host name: "10.0.0.0\/33"/);
  });

  it('refuses to store any address that is not public unicast, unless the operator allows it', async () => {
    await start('');
    const own = new URL(baseUrl);
    const refused: [string, string][] = [
      ['http://127.0.0.2:8080/hook', 'address 127.0.0.2 is not allowed (loopback)'],
      ['http://localhost:8080/hook', 'host localhost resolves to a loopback address, which is not allowed'],
      ['http://169.254.169.254/latest/meta-data/', 'address 169.254.169.254 is not allowed (link-local)'],
      ['http://[::ffff:a9fe:a9fe]/', 'address ::ffff:a9fe:a9fe is not allowed (link-local)'],
      ['http://[::ffff:127.0.0.1]/', 'address ::ffff:7f00:1 is not allowed (loopback)'],
      ['http://[::1]:8080/', 'address ::1 is not allowed (loopback)'],
      ['http://2130706433/', 'address 127.0.0.1 is not allowed (loopback)'],
      ['http://0x7f.1/', 'address 127.0.0.1 is not allowed (loopback)'],
      ['http://10.0.0.7/', 'address 10.0.0.7 is not allowed (private)'],
      ['http://172.20.1.1/', 'address 172.20.1.1 is not allowed (private)'],
      ['http://192.168.0.10/', 'address 192.168.0.10 is not allowed (private)'],
      ['http://[fe80::1]/', 'address fe80::1 is not allowed (link-local)'],
      ['http://[fd00::1]/', 'address fd00::1 is not allowed (unique-local)'],
      ['http://224.0.0.251/', 'address 224.0.0.251 is not allowed (multicast)'],
      ['http://0.0.0.0:8080/', 'address 0.0.0.0 is not allowed (unspecified)'],
      ['http://255.255.255.255/', 'address 255.255.255.255 is not allowed (broadcast)'],
      ['http://100.64.1.1/', 'address 100.64.1.1 is not allowed (carrier-grade NAT)'],
      ['http://240.0.0.1/', 'address 240.0.0.1 is not allowed (reserved)'],
      [`${baseUrl}/applications`, `address ${own.hostname} is not allowed (loopback)`],
      ['ftp://example.com/hook', 'must be an http(s) URL'],
      ['file:///etc/passwd', 'must be an http(s) URL'],
    ];
    for (const [address, message] of refused) {
      const response = await call('POST', '/providers', { name: 'internal', type: 'generic', address });
      expect({ address, status: response.status, violations: response.body.violations }).toEqual({ address, status: 400, violations: [{ pointer: '/address', message }] });
    }
    const github = await call('POST', '/providers', { name: 'gh', type: 'github', address: 'http://127.0.0.1:9/api/v3', secret: GITHUB_TOKEN });
    expect(github.status).toBe(400);
    expect(github.body.violations).toEqual([{ pointer: '/address', message: 'address 127.0.0.1 is not allowed (loopback)' }]);
    const slack = await call('POST', '/providers', { name: 'slack', type: 'slack', address: 'https://hooks.slack.com', secret: `http://127.0.0.1:9${SLACK_PATH}` });
    expect(slack.status).toBe(400);
    expect(slack.body.violations).toEqual([{ pointer: '/secret', message: 'the Slack webhook URL is refused: address 127.0.0.1 is not allowed (loopback)' }]);
    expect(JSON.stringify(slack.body)).not.toContain(SLACK_PATH);

    // A public address is fine; moving it inside is refused and changes nothing.
    expect((await call('POST', '/providers', { name: 'public', type: 'generic', address: 'https://93.184.216.34/hook' })).status).toBe(201);
    const moved = await call('PATCH', '/providers/public', { address: 'http://169.254.169.254/latest' });
    expect(moved.status).toBe(400);
    expect(moved.body.violations).toEqual([{ pointer: '/address', message: 'address 169.254.169.254 is not allowed (link-local)' }]);
    expect((await call('GET', '/providers')).body.map((p: { name: string; address: string }) => [p.name, p.address])).toEqual([['public', 'https://93.184.216.34/***']]);
  });

  it('stores and delivers to what INTEGRATIONS_ALLOWED_NETWORKS lists, in any form of the address', async () => {
    await start('127.0.0.0/8, localhost');
    const hook = await track(receiver());
    const application = uniqueName('allowed');
    const forms = [`http://2130706433:${hook.port}/decimal`, `http://0x7f.1:${hook.port}/hex`, `http://[::ffff:127.0.0.1]:${hook.port}/mapped`, `http://localhost:${hook.port}/name`];
    for (const [index, address] of forms.entries()) await setup({ name: `allowed-${index}`, type: 'generic', address }, application);
    expect((await call('POST', '/providers', { name: 'loopback-2', type: 'generic', address: 'http://127.0.0.2:9/' })).status).toBe(201);
    expect((await call('POST', '/providers', { name: 'still-private', type: 'generic', address: 'http://10.0.0.7/' })).status).toBe(400);

    await record(event(application));
    for (const index of forms.keys()) expect(await finished(`allowed-${index}`)).toEqual([expect.objectContaining({ status: 'delivered', lastStatusCode: 200 })]);
    expect(hook.requests.map((r) => r.url).sort()).toEqual(['/decimal', '/hex', '/mapped', '/name']);
  });

  it('checks the address actually connected to at delivery: a stored name now resolving to loopback, or a stored row, is refused', async () => {
    await start('127.0.0.0/8, ::1/128');
    const hook = await track(receiver());
    const application = uniqueName('rebound');
    // Stored while the name resolved to addresses the setting allowed, as with a DNS answer that changes later.
    await setup({ name: 'by-name', type: 'generic', address: `http://localhost:${hook.port}/by-name` }, application);
    await setup({ name: 'slack-hook', type: 'slack', address: 'https://hooks.slack.com', secret: `${hook.url}${SLACK_PATH}` }, application);
    await setup({ name: 'github-api', type: 'github', address: `${hook.url}/api/v3`, secret: GITHUB_TOKEN }, application);
    // And a row written without the API's checks.
    await setup({ name: 'raw-row', type: 'generic', address: 'https://93.184.216.34/' }, application);
    await query(`UPDATE "${instance}".integration_provider SET address = $1 WHERE name = 'raw-row'`, [`http://[::ffff:a9fe:a9fe]:${hook.port}/raw`]);

    await start('');
    await record(event(application, { revision: 'a'.repeat(40), source: 'acme/fleet' }));
    const reasons = new Map<string, string | null>();
    for (const name of ['by-name', 'slack-hook', 'github-api', 'raw-row']) {
      const [delivery] = await finished(name);
      expect(delivery).toMatchObject({ status: 'dead', lastStatusCode: null });
      reasons.set(name, delivery.lastError);
    }
    expect(Object.fromEntries(reasons)).toEqual({
      'by-name': `POST http://localhost:${hook.port}/*** failed: host localhost resolves to a loopback address, which is not allowed`,
      'slack-hook': `POST http://127.0.0.1:${hook.port}/*** failed: address 127.0.0.1 is not allowed (loopback)`,
      'github-api': `POST http://127.0.0.1:${hook.port}/*** failed: address 127.0.0.1 is not allowed (loopback)`,
      'raw-row': `POST http://[::ffff:a9fe:a9fe]:${hook.port}/*** failed: address ::ffff:a9fe:a9fe is not allowed (link-local)`,
    });
    expect(hook.requests).toEqual([]);
  });

  it('keeps the status code and a reason of ours, never the receiver\'s answer; redirects are not followed; timeouts are named', async () => {
    await start('127.0.0.1/32');
    const internal = await track(receiver());
    const failing = await track(receiver(() => ({ status: 500, body: 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG' })));
    const toMetadata = await track(receiver(() => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/iam/' } })));
    const toInternal = await track(receiver(() => ({ status: 307, headers: { location: `${internal.url}/admin` } })));
    // Takes the request and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    receivers.push({
      url: silentUrl,
      port: 0,
      requests: [],
      close: () => new Promise<void>((resolve) => {
        silent.closeAllConnections();
        silent.close(() => resolve());
      }),
    });
    const application = uniqueName('answers');
    await setup({ name: 'silent', type: 'generic', address: `${silentUrl}/hook`, timeoutMs: 100 }, application);
    await setup({ name: 'failing', type: 'generic', address: `${failing.url}/hook` }, application);
    await setup({ name: 'to-metadata', type: 'generic', address: `${toMetadata.url}/hook` }, application);
    await setup({ name: 'to-internal', type: 'generic', address: `${toInternal.url}/hook` }, application);

    await record(event(application));
    expect(await finished('failing')).toEqual([
      expect.objectContaining({ status: 'dead', lastStatusCode: 500, lastError: `POST ${failing.url}/*** failed: receiver answered HTTP 500` }),
    ]);
    expect(await finished('to-metadata')).toEqual([
      expect.objectContaining({
        status: 'dead',
        lastStatusCode: 302,
        lastError: `POST ${toMetadata.url}/*** failed: redirect to http://169.254.169.254/*** not followed (address 169.254.169.254 is not allowed (link-local))`,
      }),
    ]);
    expect(await finished('to-internal')).toEqual([
      expect.objectContaining({ status: 'dead', lastStatusCode: 307, lastError: `POST ${toInternal.url}/*** failed: redirect to ${internal.url}/*** not followed` }),
    ]);
    expect(await finished('silent')).toEqual([
      expect.objectContaining({ status: 'dead', lastStatusCode: null, lastError: `POST ${silentUrl}/*** failed: timed out after 100 ms` }),
    ]);
    expect([failing, toMetadata, toInternal].map((r) => r.requests.length)).toEqual([1, 1, 1]);
    expect(internal.requests).toEqual([]);
  });

  it('sends a GitHub token only to a statuses URL built from valid GitHub names (X-Kaa-Source: ../.. sends nothing)', async () => {
    await start('127.0.0.1/32');
    const githubApi = await track(receiver(() => ({ status: 201 })));
    const application = uniqueName('gh');
    expect((await call('POST', '/applications', { name: application })).status).toBe(201);
    await setup({ name: 'gh-status', type: 'github', address: `${githubApi.url}/api/v3`, secret: GITHUB_TOKEN }, application);
    const put = (source: string, revision: string) =>
      call('PUT', `/app-configs/applications/${application}`, { ecr: { kaa: { applications: { [application]: { 'endpoint-configuration': { 'schema-required': source.length > 5 } } } } } }, { 'X-Kaa-Source': source, 'X-Kaa-Revision': revision });

    expect((await put('../..', 'a'.repeat(40))).status).toBe(200);
    const [skipped] = await finished('gh-status');
    expect(skipped).toMatchObject({ status: 'skipped', lastError: 'source is not a GitHub repository (owner/repo with valid GitHub names)' });
    await app!.get(DeliveryWorker).kick();
    expect(githubApi.requests).toEqual([]);

    expect((await put('https://github.com/acme/fleet.git', 'b'.repeat(40))).status).toBe(200);
    await eventually(async () => githubApi.requests.length === 1 || undefined);
    expect(githubApi.requests[0]).toMatchObject({ method: 'POST', url: `/api/v3/repos/acme/fleet/statuses/${'b'.repeat(40)}` });
  });
});
