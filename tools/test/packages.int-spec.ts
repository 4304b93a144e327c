// The published packages as another team gets them: `npm pack` every one, install the tarballs into
// fresh projects outside the repository (an ESM TypeScript service and a CommonJS NestJS service),
// compile them with `strict`, and run them as their own node processes against a running tekton and
// watcher (the built apps, started here). Nothing of the monorepo's node_modules is visible to them,
// so an undeclared dependency fails here. Needs the libs and apps built (npm test builds first).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import avro from 'avsc';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DevIssuer, dropSchema, eventually, freePort, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from '@kaa/testing';
import { watchStreamName } from '@kaa/watch-listener';

// npm installs and builds of two projects, two services started: minutes, not seconds.
jest.setTimeout(600_000);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGES = ['protocols', 'observability', 'nats', 'auth', 'tekton-client', 'watch-listener'];
const npmCache = join(tmpdir(), 'kaa-consumer-npm-cache'); // shared across runs: installs stay quick
const rand = () => randomBytes(3).toString('hex');
const versionOf = (name: string) => (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }).dependencies[name];
const devVersionOf = (name: string) => (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies[name];

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}
const sh = (command: string, args: string[], cwd: string) => run(command, args, cwd).stdout;
const npm = (args: string[], cwd: string) => sh('npm', [...args, '--cache', npmCache, '--no-audit', '--no-fund', '--loglevel=error'], cwd);

/** A child process whose stdout is JSON lines; `next` waits for the first line (from now on) matching. */
class Service {
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.stderr += `${line}\n`;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }
  static start(file: string, cwd: string, env: Record<string, string>, node = process.execPath) {
    return new Service(spawn(node, [file], { cwd, env: { PATH: process.env.PATH ?? '', ...env } }));
  }
  async next(predicate: (line: Record<string, unknown>) => boolean, from = 0, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(predicate);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`exited ${this.child.exitCode}:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no such line within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  async stop() {
    if (this.child.exitCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

async function health(url: string, service: Service) {
  await eventually(async () => {
    if (service.child.exitCode !== null) throw new Error(`exited ${service.child.exitCode}: ${service.stderr}`);
    return (await fetch(`${url}/health`).catch(() => undefined))?.status === 200 ? true : undefined;
  }, 60_000, 200);
}

/** A fresh project in `dir`: the fixture's files, the tarballs of `imports` as dependencies, every other @kaa package as the registry would serve it. */
function createProject(dir: string, fixture: string, manifest: Record<string, unknown>, imports: string[], tarballs: Record<string, string>) {
  cpSync(join(root, 'tools/test/consumers', fixture), dir, { recursive: true });
  const dependencies = { ...(manifest['dependencies'] as Record<string, string>) };
  const overrides: Record<string, string> = {};
  for (const pkg of PACKAGES) {
    const name = `@kaa/${pkg}`;
    if (imports.includes(pkg)) {
      dependencies[name] = `file:${tarballs[pkg]}`;
      overrides[name] = `$${name}`;
    } else {
      overrides[name] = `file:${tarballs[pkg]}`;
    }
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, private: true, dependencies, overrides }, null, 2));
  npm(['install'], dir);
}

function postEvent(listenerUrl: string, path: string, credentials: { certificate: string; privateKey: string; caBundle: string }, body: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(`${listenerUrl}${path}`, { method: 'POST', ca: credentials.caBundle, cert: credentials.certificate, key: credentials.privateKey, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the published packages, installed from their tarballs by another team', () => {
  const work = mkdtempSync(join(tmpdir(), 'kaa-consumers-'));
  const tarballs: Record<string, string> = {};
  const consumer = `consumer-${rand()}`;
  const tenant = `acme${rand()}`;
  const app = `kettle${rand()}`;
  const credentials = { clientId: `svc-${rand()}`, clientSecret: 'consumer-secret', tenant: 'kaa', scope: 'kaa:application:read kaa:tenant:configuration:read' };
  const tektonInstance = uniqueName('tekton');
  const watcherInstance = uniqueName('watcher');
  const services: Service[] = [];
  let issuer: DevIssuer;
  let tektonUrl: string;
  let watcherUrl: string;
  let listenerUrl: string;

  beforeAll(async () => {
    const packs = join(work, 'tarballs');
    mkdirSync(packs);
    for (const pkg of PACKAGES) {
      const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', packs], join(root, 'libs', pkg))) as { filename: string }[];
      tarballs[pkg] = join(packs, packed.filename);
    }

    issuer = await DevIssuer.start({ tenants: [tenant, 'kaa'], clients: [credentials] });
    const tenantsFile = await writeTempFile('tenants.json', JSON.stringify(issuer.tenants()));
    const instancesFile = await writeTempFile(
      'service-instances.yaml',
      ['kaa:', '  service-instances:', `    ${consumer}:`, '      serviceName: consumer', '      serviceGroup: test', '      appConfigurationSchema:', '        type: object', '        properties:', '          push-on-connect: { type: boolean }'].join('\n'),
    );
    const common = { DATABASE_URL: testDatabaseUrl(), NATS_URL: testNatsUrl(), TENANTS_FILE: tenantsFile, LOG_LEVEL: 'warn' };
    const [tektonPort, watcherPort, listenerPort] = [await freePort(), await freePort(), await freePort()];
    const tekton = Service.start(join(root, 'apps/tekton/dist/main.js'), root, {
      ...common,
      PORT: String(tektonPort),
      SERVICE_INSTANCE_NAME: tektonInstance,
      SERVICE_INSTANCES_FILE: instancesFile,
      SECRETS_ENCRYPTION_KEY: 'consumer-test-key-0123456789abcdef0123',
    });
    const watcher = Service.start(join(root, 'apps/watcher/dist/main.js'), root, {
      ...common,
      PORT: String(watcherPort),
      SERVICE_INSTANCE_NAME: watcherInstance,
      LISTENER_PORT: String(listenerPort),
      LISTENER_HOST: '127.0.0.1',
      WATCHER_CA_KEY_SECRET: 'consumer-test-secret-at-least-32-characters',
      PLATFORM_TENANT: 'kaa',
    });
    services.push(tekton, watcher);
    tektonUrl = `http://127.0.0.1:${tektonPort}`;
    watcherUrl = `http://127.0.0.1:${watcherPort}`;
    listenerUrl = `https://127.0.0.1:${listenerPort}`;
    await Promise.all([health(tektonUrl, tekton), health(watcherUrl, watcher)]);
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await issuer?.close();
    await dropSchema(tektonInstance).catch(() => undefined);
    await dropSchema(watcherInstance).catch(() => undefined);
    const nc = await connect({ servers: testNatsUrl() });
    await (await jetstreamManager(nc)).streams.delete(watchStreamName(watcherInstance)).catch(() => undefined);
    await nc.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('every package passes `npm publish --dry-run`', () => {
    for (const pkg of PACKAGES) {
      const { stdout, stderr } = run('npm', ['publish', '--dry-run', '--json', '--loglevel=warn'], join(root, 'libs', pkg));
      const { version } = JSON.parse(readFileSync(join(root, 'libs', pkg, 'package.json'), 'utf8')) as { version: string };
      expect(JSON.parse(stdout)).toMatchObject({ [`@kaa/${pkg}`]: { name: `@kaa/${pkg}`, version } });
      // npm warns when it has to correct a manifest it publishes (bin, repository, ...); not being logged in is expected here.
      expect(stderr.split('\n').filter((line) => line.startsWith('npm warn publish') && !line.includes('logged in'))).toEqual([]);
    }
  });

  describe('an ESM TypeScript service (protocols and the tekton consumer kit)', () => {
    const dir = join(work, 'esm-service');
    let service: Service;
    const api = async (method: string, path: string, body?: unknown) => {
      const token = await issuer.mint(tenant, { scope: 'application:read application:update tenant:application:create kaa:application:read kaa:application:update kaa:tenant:configuration:read' });
      const res = await fetch(`${tektonUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return res.status;
    };
    const referenceType = avro.Type.forSchema(JSON.parse(readFileSync(join(root, 'libs/protocols/reference/kaa-rfcs/0006-config-request.avsc'), 'utf8')) as avro.Schema);

    beforeAll(async () => {
      mkdirSync(dir);
      createProject(
        dir,
        'esm-service',
        {
          name: 'esm-service',
          type: 'module',
          dependencies: {
            '@nestjs/common': versionOf('@nestjs/common'),
            '@nestjs/core': versionOf('@nestjs/core'),
            '@nats-io/transport-node': versionOf('@nats-io/transport-node'),
            '@nats-io/jetstream': versionOf('@nats-io/jetstream'),
            'reflect-metadata': versionOf('reflect-metadata'),
            rxjs: versionOf('rxjs'),
          },
          devDependencies: { typescript: devVersionOf('typescript'), '@types/node': '20.19.0' },
        },
        ['protocols', 'observability', 'nats', 'tekton-client'],
        tarballs,
      );
      expect(await api('POST', '/applications', { name: app })).toBe(201);
      expect(await api('PUT', `/app-configs/applications/${app}`, { [consumer]: { kaa: { applications: { [app]: { 'push-on-connect': true } } } } })).toBe(200);
    });

    afterAll(() => service?.stop());

    it('compiles with strict (nodenext), and the protocols types check with nothing skipped under node16 and bundler', () => {
      for (const project of ['tsconfig.json', 'tsconfig.protocols.json', 'tsconfig.bundler.json']) sh(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', project], dir);
      expect(existsSync(join(dir, 'dist/main.js'))).toBe(true);
    });

    it('decodes a ConfigRequest encoded with the reference schema, and encodes one the reference schema decodes', async () => {
      const reference = { correlationId: 'ref-1', timestamp: 1_700_000_000_123, timeout: 5000, appVersionName: 'kettle-v1', endpointId: 'ep-ref', configId: null, configName: null };
      service = Service.start(join(dir, 'dist/main.js'), dir, {
        REFERENCE_CONFIG_REQUEST: referenceType.toBuffer(reference).toString('base64'),
        NATS_URL: testNatsUrl(),
        INSTANCE: consumer,
        TEKTON_URL: tektonUrl,
        TEKTON_INSTANCE: tektonInstance,
        TOKEN_URL: issuer.tokenUrlFor('kaa'),
        CLIENT_ID: credentials.clientId,
        CLIENT_SECRET: credentials.clientSecret,
      });
      const codec = await service.next((line) => line['kind'] === 'codec');
      expect(codec['fromReference']).toEqual(reference);
      expect(referenceType.fromBuffer(Buffer.from(codec['encoded'] as string, 'base64'))).toEqual({
        correlationId: 'esm-1',
        timestamp: 1_700_000_000_000,
        timeout: 0,
        appVersionName: 'kettle-v1',
        endpointId: 'ep-esm',
        configId: null,
        configName: 'night',
      });
      expect(codec['garbageRefused']).toBe(true);
      // The .avsc the package ships is the schema that travels.
      const shipped = avro.Type.forSchema(codec['shippedSchema'] as avro.Schema);
      expect(shipped.equals(referenceType)).toBe(true);
    });

    it('reads its configuration from the running tekton and follows a 17/SCMP notice', async () => {
      const config = await service.next((line) => line['kind'] === 'config');
      expect(config['tree']).toEqual({ applications: { [app]: { 'push-on-connect': true, versions: {} } }, tenants: {} });
      const from = service.lines.length;
      expect(await api('PATCH', `/app-configs/applications/${app}?serviceInstanceName=${consumer}`, { 'push-on-connect': false })).toBe(200);
      const change = await service.next((line) => line['kind'] === 'change', from);
      expect(change['change']).toEqual({ scope: 'application', tenantId: tenant, appName: app, reason: 'notice' });
      expect(change['tree']).toEqual({ applications: { [app]: { 'push-on-connect': false, versions: {} } }, tenants: {} });
    });
  });

  describe('a CommonJS NestJS service (the watch listener), on the lowest NestJS and NATS client the peer ranges allow', () => {
    const dir = join(work, 'cjs-nest-service');
    const component = `comp-${rand()}`;
    let service: Service;
    let runtime: { certificate: string; privateKey: string; caBundle: string };

    beforeAll(async () => {
      mkdirSync(dir);
      createProject(
        dir,
        'cjs-nest-service',
        {
          name: 'cjs-nest-service',
          dependencies: {
            '@nestjs/common': '12.0.0',
            // 12.0.0 of @nestjs/core was released with a peer range of @nestjs/common ^11: not installable with 12.
            '@nestjs/core': '12.0.1',
            '@nats-io/transport-node': '3.0.0',
            '@nats-io/jetstream': '3.0.0',
            'reflect-metadata': versionOf('reflect-metadata'),
            rxjs: versionOf('rxjs'),
          },
          devDependencies: { typescript: devVersionOf('typescript'), '@types/node': '20.19.0' },
        },
        ['protocols', 'observability', 'nats', 'watch-listener'],
        tarballs,
      );
      const token = await issuer.mint(tenant, { scope: 'watcher:read watcher:update watcher:admin' });
      const call = (path: string, body: unknown) =>
        fetch(`${watcherUrl}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const registered = await call('/runtimes', { runtimeId: `rt-${rand()}`, domain: 'rt.example.com' });
      expect(registered.status).toBe(201);
      runtime = (await registered.json()) as typeof runtime;
      const watcherRegistration = await call('/watchers', {
        component,
        resourceToWatch: { group: 'operator.kyma-project.io', version: '*', resource: 'kymas' },
        labelsToWatch: { 'operator.kyma-project.io/watched-by': 'kyma' },
        field: 'spec',
      });
      expect(watcherRegistration.status).toBe(201);
    });

    afterAll(() => service?.stop());

    it('compiles with strict (nodenext, CommonJS output)', () => {
      sh(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
      expect(readFileSync(join(dir, 'dist/main.js'), 'utf8')).toMatch(/require\("@kaa\/watch-listener"\)/);
    });

    it('receives a watch event from the running watcher through a durable consumer', async () => {
      service = Service.start(join(dir, 'dist/main.js'), dir, { NATS_URL: testNatsUrl(), INSTANCE: `cjs-${rand()}`, WATCHER_INSTANCE: watcherInstance, COMPONENT: component, DURABLE: `cjs-${rand()}` });
      const ready = await service.next((line) => line['kind'] === 'ready');
      expect(ready).toMatchObject({ commonjs: true, roundTrip: { correlationId: 'cjs-1', endpointId: 'ep-cjs', timeout: 0, configId: null, configName: null } });
      const body = JSON.stringify({ watched: { namespace: 'kyma-system', name: 'default' }, watchedGvk: { group: 'operator.kyma-project.io', version: 'v1beta2', kind: 'Kyma' } });
      expect(await postEvent(listenerUrl, `/v2/${component}/event`, runtime, body)).toBe(200);
      const event = await service.next((line) => line['kind'] === 'event');
      expect(event).toMatchObject({ subject: ready['subject'], deliveryCount: 1, event: { component, watchedNamespace: 'kyma-system', watchedName: 'default', kind: 'Kyma' } });
    });
  });
});
