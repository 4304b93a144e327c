import { fuzzHttp, openApiRoutes } from '@kaa/testing';
import { cleanUp, startWatcher, TENANTS, type Watcher } from './support.js';

/** No input reaches a 500: what Postgres or the parser cannot take is a 400 naming where. */
describe('watcher input limits', () => {
  const watcherBody = { component: 'lifecycle-manager', resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' }, field: 'spec' };
  let sut: Watcher;
  let watcherId: string;

  beforeAll(async () => {
    sut = await startWatcher({ env: { LOG_LEVEL: 'silent' } });
    const created = await sut.api('POST', '/watchers', watcherBody);
    expect(created.status).toBe(201);
    watcherId = String(created.body['id']);
    await sut.register('rt-known', 'known.example.com');
  });

  afterAll(async () => {
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  it('refuses NUL in identifiers and bodies with 400 naming where', async () => {
    expect((await sut.api('GET', '/runtimes/rt%00'))).toMatchObject({ status: 400, body: { violations: [{ pointer: '/params/runtimeId' }] } });
    expect((await sut.api('POST', '/runtimes', { runtimeId: 'rt-1', domain: 'a\u0000.example.com' }))).toMatchObject({ status: 400, body: { violations: [{ pointer: '/domain' }] } });
  });

  it('answers no 5xx to 1,500 fuzzed requests on every route', async () => {
    const origin = sut.baseUrl;
    const token = await sut.issuer.mint(TENANTS.acme, { scope: 'watcher:read watcher:update watcher:admin' });
    const result = await fuzzHttp({
      origin,
      routes: await openApiRoutes(origin),
      tokens: [token],
      knownParams: { id: [watcherId], runtimeId: ['rt-known'] },
      seedBodies: {
        'POST /api/v1/watchers': { ...watcherBody, component: 'fuzzed' },
        'PUT /api/v1/watchers/{id}': watcherBody,
        'POST /api/v1/runtimes': { runtimeId: 'rt-fuzzed', domain: 'fuzzed.example.com' },
      },
      requests: 1500,
    });
    expect({ seed: result.seed, failures: result.failures.slice(0, 10) }).toEqual({ seed: result.seed, failures: [] });
    expect(Object.keys(result.statuses).map(Number)).toEqual(expect.arrayContaining([200, 400, 404]));
    expect((await fetch(`${origin}/health`)).status).toBe(200);
  }, 120_000);
});
