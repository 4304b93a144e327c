import { randomBytes } from 'node:crypto';
import { TcpProxy, eventually, testDatabaseUrl } from '@kaa/testing';
import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

/** Tekton reaches Postgres through a proxy the test cuts: an outage the client can retry. */
describe('tekton during a Postgres outage', () => {
  let proxy: TcpProxy;
  let tekton: Tekton;
  let call: ReturnType<typeof client>;
  const tenant = 'acme';
  const name = `outage-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    proxy = await TcpProxy.start(testDatabaseUrl());
    tekton = await startTekton({ tenants: [tenant], databaseUrl: proxy.url });
    call = client(tekton.baseUrl, await tekton.issuer.mint(tenant, { scope: ALL_SCOPES }));
  });

  afterAll(async () => {
    await proxy?.up().catch(() => undefined);
    await tekton?.close();
    await proxy?.down();
  });

  it('answers 503 with Retry-After and "database unavailable", counts it, and recovers', async () => {
    expect((await call('POST', '/applications', { name })).status).toBe(201);

    await proxy.down();
    for (const [method, path, body] of [
      ['GET', '/applications', undefined],
      ['GET', `/applications/${name}`, undefined],
      ['POST', '/applications', { name: `${name}-2` }],
      ['PATCH', `/applications/${name}`, { displayName: 'during the outage' }],
    ] as const) {
      const answer = await call(method, path, body);
      expect({ method, path, status: answer.status, message: answer.body?.message, retryAfter: answer.headers.get('retry-after') }).toEqual({
        method,
        path,
        status: 503,
        message: 'database unavailable',
        retryAfter: '5',
      });
    }
    const metrics = await (await fetch(`${tekton.baseUrl.replace('/api/v1', '')}/metrics`)).text();
    const counted = /^dependency_unavailable_total\{[^}]*dependency="database"[^}]*channel="http"[^}]*\} (\d+)/m.exec(metrics);
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(4);

    await proxy.up();
    const back = await eventually(async () => {
      const answer = await call('GET', `/applications/${name}`);
      return answer.status === 200 ? answer : undefined;
    }, 15_000, 200);
    expect(back.body.name).toBe(name);
    // What was refused during the outage changed nothing.
    expect((await call('GET', `/applications/${name}-2`)).status).toBe(404);
  }, 60_000);
});
