// Builds every app's image with podman and runs each one against this machine's Postgres and NATS:
// it must migrate, answer /health 200 as a non-root user, serve one real request, and exit cleanly
// on SIGTERM within the grace period. CI runs it after `npm test` (which builds libs/testing, whose
// development issuer signs the requests' tokens).
//
//   node tools/containers/smoke.mjs            # base image made from this machine's Node
//   BASE_IMAGE=node BASE_TAG=22-bookworm-slim node tools/containers/smoke.mjs   # a pulled base
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBaseImage } from './base-image.mjs';
import { ensurePodman, podman, podmanEnv } from './podman.mjs';
import { ensureServices, freePort, workspaceRoot } from '../dev/services.mjs';

const log = (line) => console.log(`[containers] ${line}`);
const STOP_GRACE_SECONDS = 20;
const APPS = ['tekton', 'ecr', 'watcher'];

const work = mkdtempSync(join(tmpdir(), 'kaa-containers-'));
chmodSync(work, 0o755);
const started = [];
let services;
let issuer;
const runId = randomBytes(3).toString('hex');
const instance = (app) => `ctr-${app}-${runId}`;

async function cleanup() {
  for (const name of started.splice(0)) podman(['rm', '-f', '-t', '0', name], { allowFailure: true });
  await issuer?.close().catch(() => undefined);
  if (services) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: services.databaseUrl });
    await client.connect().catch(() => undefined);
    for (const app of APPS) await client.query(`DROP SCHEMA IF EXISTS "${instance(app).replace(/-/g, '_')}" CASCADE`).catch(() => undefined);
    for (const app of APPS) await client.query(`DROP SCHEMA IF EXISTS "${instance(app)}" CASCADE`).catch(() => undefined);
    await client.end().catch(() => undefined);
    await services.stop();
  }
  rmSync(work, { recursive: true, force: true });
}

async function waitFor(what, check, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result.ok) return result;
      last = result.detail;
    } catch (error) {
      last = error?.cause?.code ?? error?.message ?? String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s (last: ${last})`);
}

function logsOf(name) {
  const result = spawnSync('podman', ['logs', name], { env: podmanEnv(), encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.split('\n').slice(-40).join('\n');
}

async function runApp(app, image, env, files) {
  const name = instance(app);
  // --no-healthcheck: podman runs image health checks through systemd, which CI machines lack.
  const args = ['run', '-d', '--name', name, '--network', 'host', '--no-healthcheck', '--stop-timeout', String(STOP_GRACE_SECONDS)];
  for (const [key, value] of Object.entries(env)) args.push('-e', `${key}=${value}`);
  for (const [inside, outside] of Object.entries(files)) args.push('-v', `${outside}:${inside}:ro`);
  podman([...args, image]);
  started.push(name);
  const url = `http://127.0.0.1:${env.PORT}/health`;
  const t0 = Date.now();
  try {
    await waitFor(`${app}: ${url} answering 200`, async () => {
      const state = podman(['inspect', '--format', '{{.State.Status}}', name]).trim();
      if (state !== 'running') throw Object.assign(new Error(`container is ${state}`), { fatal: true });
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { ok: response.status === 200, detail: `${response.status} ${await response.text()}` };
    });
  } catch (error) {
    throw new Error(`${error.message}\n${app}'s last log lines:\n${logsOf(name)}`);
  }
  const uid = podman(['exec', name, 'id', '-u']).trim();
  if (uid === '0') throw new Error(`${app} runs as root inside its container`);
  log(`${app}: healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s, running as uid ${uid}`);
  return { name, base: `http://127.0.0.1:${env.PORT}` };
}

async function call(method, url, token, body) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, text: await response.text() };
}

function expectStatus(what, result, ...statuses) {
  if (!statuses.includes(result.status)) throw new Error(`${what}: expected ${statuses.join(' or ')}, got ${result.status} ${result.text.slice(0, 300)}`);
  log(`${what}: ${result.status}`);
}

async function stopApp(app, name) {
  const t0 = Date.now();
  podman(['stop', '-t', String(STOP_GRACE_SECONDS), name]);
  const seconds = (Date.now() - t0) / 1000;
  const code = Number(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).trim());
  if (seconds >= STOP_GRACE_SECONDS) throw new Error(`${app} ignored SIGTERM: killed after the ${STOP_GRACE_SECONDS} s grace period`);
  if (code !== 0) throw new Error(`${app} exited ${code} on SIGTERM (want 0). Its last log lines:\n${logsOf(name)}`);
  log(`${app}: SIGTERM → exited 0 in ${seconds.toFixed(1)} s`);
}

async function main() {
  ensurePodman(log);
  let baseImage = process.env.BASE_IMAGE;
  let baseTag = process.env.BASE_TAG;
  if (!baseImage) {
    const tag = buildBaseImage({ node: process.env.KAA_IMAGE_NODE ?? '22', log });
    [baseImage, baseTag] = [tag.slice(0, tag.lastIndexOf(':')), tag.slice(tag.lastIndexOf(':') + 1)];
  }
  const images = {};
  for (const app of APPS) {
    const t0 = Date.now();
    images[app] = `localhost/kaa/${app}:smoke`;
    podman(
      ['build', '--format', 'docker', '--network', 'host', '--pull=never', '--build-arg', `BASE_IMAGE=${baseImage}`, '--build-arg', `BASE_TAG=${baseTag}`,
        '-f', `apps/${app}/Dockerfile`, '-t', images[app], '.'],
      { cwd: workspaceRoot, quiet: true },
    );
    log(`built ${images[app]} from ${baseImage}:${baseTag} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }

  services = await ensureServices({ dataDir: '.data/containers', database: 'kaa_containers', log });
  const testingLib = join(workspaceRoot, 'libs', 'testing', 'dist', 'index.js');
  if (!existsSync(testingLib)) throw new Error(`${testingLib} is missing: run npm run build (npm test does) first`);
  const { DevIssuer } = await import(pathToFileURL(testingLib).href);
  const ecrClient = { clientId: 'ecr', clientSecret: randomBytes(12).toString('hex'), tenant: 'kaa', scope: 'kaa:application:read kaa:tenant:configuration:read' };
  issuer = await DevIssuer.start({ port: await freePort(), host: '127.0.0.1', tenants: ['demo', 'kaa'], clients: [ecrClient] });

  const tenantsFile = join(work, 'tenants.json');
  writeFileSync(tenantsFile, JSON.stringify(issuer.tenants()));
  const instancesFile = join(work, 'service-instances.yaml');
  writeFileSync(
    instancesFile,
    [
      'kaa:',
      '  service-instances:',
      `    ${instance('ecr')}:`,
      '      serviceName: ecr',
      '      serviceGroup: configuration',
      '      description: Endpoint Configuration Repository',
      '      urlPrefix: http://127.0.0.1',
      '      appConfigurationSchema: { type: object }',
      '      appVersionConfigurationSchema: { type: object, properties: { endpointConfigurationSchema: { type: object } } }',
      '',
    ].join('\n'),
  );
  for (const file of [tenantsFile, instancesFile]) chmodSync(file, 0o644);
  const common = { DATABASE_URL: services.databaseUrl, NATS_URL: services.natsUrl, TENANTS_FILE: '/config/tenants.json', LOG_LEVEL: 'warn' };
  const files = { '/config/tenants.json': tenantsFile, '/config/service-instances.yaml': instancesFile };
  const [tektonPort, ecrPort, watcherPort, listenerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

  const tekton = await runApp('tekton', images.tekton, {
    ...common,
    PORT: tektonPort,
    SERVICE_INSTANCE_NAME: instance('tekton'),
    SERVICE_INSTANCES_FILE: '/config/service-instances.yaml',
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  }, files);
  const ecr = await runApp('ecr', images.ecr, {
    ...common,
    PORT: ecrPort,
    SERVICE_INSTANCE_NAME: instance('ecr'),
    TEKTON_URL: tekton.base,
    TEKTON_INSTANCE_NAME: instance('tekton'),
    TOKEN_URL: issuer.tokenUrlFor('kaa'),
    CLIENT_ID: ecrClient.clientId,
    CLIENT_SECRET: ecrClient.clientSecret,
  }, files);
  const watcher = await runApp('watcher', images.watcher, {
    ...common,
    PORT: watcherPort,
    LISTENER_PORT: listenerPort,
    SERVICE_INSTANCE_NAME: instance('watcher'),
    WATCHER_CA_KEY_SECRET: randomBytes(32).toString('hex'),
  }, files);

  // One real request each, the README's way.
  const token = await issuer.mint('demo', {
    sub: 'smoke',
    scope: ['tenant:application:create', 'application:read', 'application:update', 'application:endpoint-config:read', 'application:endpoint-config:update', 'watcher:read', 'watcher:update'],
  });
  const app = `smoke-${runId}`;
  expectStatus('tekton POST /applications', await call('POST', `${tekton.base}/api/v1/applications`, token, { name: app }), 201);
  expectStatus('tekton POST /app-versions', await call('POST', `${tekton.base}/api/v1/applications/${app}/app-versions`, token, { nameSuffix: 'v1' }), 201);
  // ecr learns of the version from tekton's 17/SCMP notice: retry until it does.
  const put = await waitFor('ecr storing a default config for the new version', async () => {
    const result = await call('PUT', `${ecr.base}/api/v1/app-versions/${app}-v1`, token, { reportingInterval: 60 });
    return { ok: result.status === 200 || result.status === 201, detail: `${result.status} ${result.text.slice(0, 200)}`, result };
  }, 30_000);
  expectStatus('ecr PUT /app-versions/{v}', put.result, 200, 201);
  expectStatus('watcher POST /watchers', await call('POST', `${watcher.base}/api/v1/watchers`, token, {
    component: `smoke-${runId}`,
    resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
    field: 'spec',
  }), 201);

  for (const [name, started] of [['watcher', watcher], ['ecr', ecr], ['tekton', tekton]]) await stopApp(name, started.name);
  log('all images built, healthy as non-root, served a request and stopped cleanly');
}

let code = 0;
try {
  await main();
} catch (error) {
  console.error(`[containers] FAILED: ${error?.message ?? error}`);
  code = 1;
}
await cleanup();
process.exit(code);
