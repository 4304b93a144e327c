import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { elce, endpointRegisteredEventCodec } from '@kaa/protocols';
import { eventually, fuzzHttp, openApiRoutes, testNatsUrl } from '@kaa/testing';
import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

const SCOPES = [...ALL_SCOPES, 'integration:read', 'integration:update'];

/** No input reaches a 500: what Postgres or the parser cannot take is a 400 naming where. */
describe('tekton input limits', () => {
  let tekton: Tekton;
  let origin: string;
  let call: ReturnType<typeof client>;
  let tokens: string[];
  const app = 'meter';

  beforeAll(async () => {
    tekton = await startTekton({ tenants: ['acme', 'kaa'] });
    origin = tekton.baseUrl.replace('/api/v1', '');
    tokens = [await tekton.issuer.mint('acme', { scope: SCOPES }), await tekton.issuer.mint('kaa', { scope: SCOPES })];
    call = client(tekton.baseUrl, tokens[0]);
    expect((await call('POST', '/applications', { name: app })).status).toBe(201);
    expect((await call('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
  });

  afterAll(async () => {
    await tekton?.close();
  });

  const raw = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${tekton.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[0]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    });
    return { status: response.status, body: (await response.json()) as { message: string; violations?: { pointer: string }[] } };
  };

  it('refuses JSON nested deeper than 64 levels with 400, before parsing', async () => {
    const deep = await raw('POST', '/applications', `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(deep).toMatchObject({ status: 400, body: { message: 'request body nests deeper than 64 arrays/objects' } });
    const config = await raw('PUT', `/app-configs/applications/${app}`, `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`);
    expect(config.status).toBe(400);
    // 64 levels are fine as far as the parser goes (the config schema decides the rest).
    expect((await raw('PUT', `/app-configs/applications/${app}`, `${'{"a":'.repeat(64)}1${'}'.repeat(64)}`)).status).not.toBe(500);
  });

  it('refuses NUL and unpaired surrogates in path parameters and query values, naming them', async () => {
    expect(await raw('GET', '/applications/a%00b')).toMatchObject({
      status: 400,
      body: { message: 'path parameter at /params/app: contains a NUL character, which cannot be stored', violations: [{ pointer: '/params/app' }] },
    });
    expect((await raw('GET', `/applications/${app}/app-versions/${app}-v1%00`)).status).toBe(400);
    expect((await raw('PATCH', `/app-configs/applications/${app}?serviceInstanceName=ecr%00`, '{}')).body.violations).toEqual([
      expect.objectContaining({ pointer: '/query/serviceInstanceName' }),
    ]);
  });

  it('refuses NUL and unpaired surrogates anywhere in a stored JSON value, with the JSON pointer', async () => {
    const nul = await raw('PUT', `/app-configs/applications/${app}`, JSON.stringify({ cmx: { kaa: { applications: { [app]: { note: 'a\u0000b' } } } } }));
    expect(nul).toMatchObject({ status: 400, body: { violations: [{ pointer: `/cmx/kaa/applications/${app}/note` }] } });
    expect(nul.body.message).toContain('NUL');
    const surrogate = await raw('PUT', `/app-configs/applications/${app}`, `{"cmx":{"kaa":{"applications":{"${app}":{"note":"\\ud800"}}}}}`);
    expect(surrogate).toMatchObject({ status: 400, body: { violations: [{ pointer: `/cmx/kaa/applications/${app}/note` }] } });
    expect(surrogate.body.message).toContain('unpaired surrogate');
    const key = await raw('PATCH', `/applications/${app}`, '{"displayName":"ok","\\udc00":1}');
    expect(key).toMatchObject({ status: 400, body: { violations: [{ pointer: '/\udc00' }] } });
    // A proper pair is just an emoji.
    expect((await raw('PATCH', `/applications/${app}`, '{"displayName":"\\ud83d\\ude00"}')).status).toBe(200);
  });

  it('answers no 5xx to 3,000 fuzzed requests on every route', async () => {
    const result = await fuzzHttp({
      origin,
      routes: await openApiRoutes(origin),
      tokens,
      knownParams: { app: [app], application: [app], version: [`${app}-v1`], appVersion: [`${app}-v1`], serviceInstanceName: ['ecr', 'cmx'] },
      seedBodies: {
        'POST /api/v1/applications': { name: 'fuzzed', displayName: 'Fuzzed' },
        [`PUT /api/v1/app-configs/applications/{app}`]: { cmx: { kaa: { applications: { [app]: { 'push-on-connect': true } } } } },
        'POST /api/v1/providers': { name: 'p', type: 'generic', address: 'http://127.0.0.1:9/' },
        'POST /api/v1/notifications': { name: 'n', providerRef: 'p' },
      },
      requests: 3000,
    });
    expect({ seed: result.seed, failures: result.failures.slice(0, 10) }).toEqual({ seed: result.seed, failures: [] });
    // The run reached the handlers, not only the guard.
    expect(Object.keys(result.statuses).map(Number)).toEqual(expect.arrayContaining([200, 400, 404]));
    expect((await fetch(`${origin}/health`)).status).toBe(200);
  }, 120_000);

  describe('over NATS', () => {
    let nc: NatsConnection;

    beforeAll(async () => {
      nc = await connect({ servers: testNatsUrl() });
    });

    afterAll(async () => {
      await nc?.close();
    });

    it('drops an event whose strings Postgres cannot store, with a warning and a count, instead of failing in Postgres', async () => {
      const metric = async (pattern: RegExp) => {
        const match = pattern.exec(await (await fetch(`${origin}/metrics`)).text());
        return match ? Number(match[1]) : 0;
      };
      const rejectedBefore = await metric(/^input_rejected_total\{[^}]*channel="nats"[^}]*reason="nul"[^}]*\} (\d+)/m);
      const event = { correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName: 'meter-v1', endpointId: 'ep\u0000', originatorReplicaId: 'r' };
      nc.publish(elce.lifecycle(`epr-${randomUUID().slice(0, 8)}`, 'registered'), endpointRegisteredEventCodec.encode(event));
      await nc.flush();
      await eventually(async () => ((await metric(/^input_rejected_total\{[^}]*channel="nats"[^}]*reason="nul"[^}]*\} (\d+)/m)) > rejectedBefore ? true : undefined), 10_000);
      expect(await metric(/^nats_messages_total\{[^}]*subject="[^"]*elce[^"]*"[^}]*direction="in"[^}]*outcome="error"[^}]*\} (\d+)/m)).toBe(0);
    });
  });
});
