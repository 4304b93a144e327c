import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevIssuer, dropSchema, eventually, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from '@kaa/testing';
import { ALL_SCOPES, api, startEcr, type RunningEcr } from './support.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const rand = () => randomBytes(3).toString('hex');

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

const TEKTON_SCOPES = ['application:read', 'application:update', 'application:delete', 'tenant:application:create'];

/** A running tekton, built and started as a child process (apps never import each other). */
describe('schemas from a running tekton', () => {
  const ecrInstance = uniqueName('ecr');
  const tektonInstance = uniqueName('tekton');
  const app = `kettle${rand()}`;
  const version = `${app}-v1`;
  const credentials = { clientId: `ecr-${rand()}`, clientSecret: 'ecr-secret', tenant: 'kaa', scope: 'kaa:application:read kaa:tenant:configuration:read' };
  let issuer: DevIssuer;
  let tekton: ChildProcess;
  let tektonOutput = '';
  let ecr: RunningEcr;
  let tektonCall: ReturnType<typeof api>;
  let ecrCall: ReturnType<typeof api>;

  beforeAll(async () => {
    execFileSync(process.execPath, [resolve(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'apps/tekton/tsconfig.build.json'], { cwd: repoRoot, stdio: 'pipe' });
    issuer = await DevIssuer.start({ tenants: ['acme', 'kaa'], clients: [credentials] });
    const port = await freePort();
    const instancesFile = await writeTempFile(
      'service-instances.json',
      JSON.stringify({
        kaa: {
          'service-instances': {
            [ecrInstance]: {
              serviceName: 'ecr',
              serviceGroup: 'configuration',
              appConfigurationSchema: { type: 'object', properties: { 'endpoint-configuration': { type: 'object' } } },
              appVersionConfigurationSchema: { type: 'object', properties: { endpointConfigurationSchema: { type: ['object', 'string'] } } },
            },
          },
        },
      }),
    );
    tekton = spawn(process.execPath, [resolve(repoRoot, 'apps/tekton/dist/main.js')], {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'],
        PORT: String(port),
        DATABASE_URL: testDatabaseUrl(),
        NATS_URL: testNatsUrl(),
        SERVICE_INSTANCE_NAME: tektonInstance,
        TENANTS_FILE: await writeTempFile('tenants.json', JSON.stringify(issuer.tenants())),
        SERVICE_INSTANCES_FILE: instancesFile,
        SECRETS_ENCRYPTION_KEY: 'ecr-test-key-that-is-long-enough-0123456789',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tekton.stdout?.on('data', (chunk: Buffer) => (tektonOutput += chunk.toString()));
    tekton.stderr?.on('data', (chunk: Buffer) => (tektonOutput += chunk.toString()));
    const tektonUrl = `http://127.0.0.1:${port}`;
    await eventually(async () => ((await fetch(`${tektonUrl}/health`).catch(() => undefined))?.status === 200 ? true : undefined), 30_000, 200).catch(
      (error: Error) => {
        throw new Error(`${error.message}\ntekton output:\n${tektonOutput}`);
      },
    );

    tektonCall = api(`${tektonUrl}/api/v1`, await issuer.mint('acme', { scope: TEKTON_SCOPES }));
    expect((await tektonCall('POST', '/applications', { name: app })).status).toBe(201);
    expect((await tektonCall('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
    const appConfig = { 'endpoint-configuration': { 'schema-required': true, schema: { type: 'object', required: ['active'] } } };
    expect((await tektonCall('PUT', `/app-configs/applications/${app}`, { [ecrInstance]: { kaa: { applications: { [app]: appConfig } } } })).status).toBe(200);

    ecr = await startEcr({
      issuer,
      instance: ecrInstance,
      env: {
        TEKTON_URL: tektonUrl,
        TOKEN_URL: issuer.tokenUrlFor('kaa'),
        CLIENT_ID: credentials.clientId,
        CLIENT_SECRET: credentials.clientSecret,
        TEKTON_INSTANCE_NAME: tektonInstance,
        TEKTON_START_TIMEOUT_MS: '10000',
      },
    });
    ecrCall = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
  }, 180_000);

  afterAll(async () => {
    await ecr?.close();
    if (tekton && tekton.exitCode === null) {
      const exited = new Promise((done) => tekton.once('exit', done));
      tekton.kill('SIGTERM');
      await exited;
    }
    await dropSchema(tektonInstance);
    await issuer?.close();
  });

  it('enforces the schema tekton serves at start', async () => {
    const refused = await ecrCall('PUT', `/endpoints/ep-1/app-versions/${version}`, { pushInterval: 5 });
    expect(refused.status).toBe(400);
    expect(refused.body.violations).toEqual([{ pointer: '/active', message: expect.any(String) }]);
    expect((await ecrCall('PUT', `/endpoints/ep-1/app-versions/${version}`, { active: true })).status).toBe(200);
  });

  it('enforces a version schema set in tekton after its notice, without a restart', async () => {
    const versionConfig = { [ecrInstance]: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: { type: 'object', required: ['mode'] } } } } } } } };
    expect((await tektonCall('PUT', `/app-configs/applications/${app}/app-versions/${version}`, versionConfig)).status).toBe(200);

    await eventually(async () => ((await ecrCall('PUT', `/app-versions/${version}/schemas/validate`, { active: true })).status === 400 ? true : undefined), 10_000);
    const refused = await ecrCall('PUT', `/endpoints/ep-2/app-versions/${version}`, { active: true });
    expect(refused.status).toBe(400);
    expect(refused.body.violations).toEqual([{ pointer: '/mode', message: expect.any(String) }]);
    expect((await ecrCall('GET', `/app-versions/${version}/schemas`)).body).toEqual({ type: 'object', required: ['mode'] });
    expect((await ecrCall('PUT', `/endpoints/ep-2/app-versions/${version}`, { mode: 'eco' })).status).toBe(200);
  });
});
