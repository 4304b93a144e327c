import { randomBytes } from 'node:crypto';
import { DevIssuer, eventually, uniqueName } from '@kaa/testing';
import { ALL_SCOPES, api, ecrClient, startEcr, startTektonProcess, TEKTON_SCOPES, tektonEnv, type RunningEcr, type RunningTekton } from './support.js';

const rand = () => randomBytes(3).toString('hex');

/** ECR reading its tree and the owners from a running tekton. */
describe('schemas from a running tekton', () => {
  const ecrInstance = uniqueName('ecr');
  const app = `kettle${rand()}`;
  const version = `${app}-v1`;
  const credentials = ecrClient(`ecr-${rand()}`);
  let issuer: DevIssuer;
  let tekton: RunningTekton;
  let ecr: RunningEcr;
  let tektonCall: ReturnType<typeof api>;
  let ecrCall: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'kaa'], clients: [credentials] });
    tekton = await startTektonProcess({ issuer, ecrInstance });

    tektonCall = api(`${tekton.url}/api/v1`, await issuer.mint('acme', { scope: TEKTON_SCOPES }));
    expect((await tektonCall('POST', '/applications', { name: app })).status).toBe(201);
    expect((await tektonCall('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
    const appConfig = { 'endpoint-configuration': { 'schema-required': true, schema: { type: 'object', required: ['active'] } } };
    expect((await tektonCall('PUT', `/app-configs/applications/${app}`, { [ecrInstance]: { kaa: { applications: { [app]: appConfig } } } })).status).toBe(200);

    ecr = await startEcr({ issuer, instance: ecrInstance, env: tektonEnv(issuer, tekton, credentials.clientId) });
    ecrCall = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
  }, 180_000);

  afterAll(async () => {
    await ecr?.close();
    await tekton?.close();
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
