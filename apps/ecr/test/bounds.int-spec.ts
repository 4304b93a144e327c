import { DevIssuer } from '@kaa/testing';
import { ALL_SCOPES, api, startEcr, type RunningEcr } from './support.js';

describe('ecr bounds: paged lists of named configurations', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let call: ReturnType<typeof api>;
  const names = (body: { name: string }[]) => body.map((c) => c.name);

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme'] });
    ecr = await startEcr({ issuer, owners: { kettle: 'acme' }, appConfig: { kaa: { applications: { kettle: { 'endpoint-configuration': { 'schema-required': false } } } } } });
    call = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
  });

  afterAll(async () => {
    await ecr?.close();
    await issuer?.close();
  });

  it('pages an endpoint’s named configurations, figures in headers, and refuses bad paging parameters', async () => {
    for (const name of ['a', 'b', 'c']) expect((await call('PUT', `/endpoints/ep-paged/app-versions/kettle-v1?name=${name}`, { name })).status).toBe(200);
    const path = '/endpoints/ep-paged/app-versions/kettle-v1/configurations';
    expect(names((await call('GET', path)).body)).toEqual(['a', 'b', 'c']);
    const second = await call('GET', `${path}?size=2&page=1`);
    expect(names(second.body)).toEqual(['c']);
    expect(['x-total-elements', 'x-total-pages', 'x-page-number', 'x-page-size'].map((h) => second.headers.get(h))).toEqual(['3', '2', '1', '2']);
    for (const query of ['size=0', 'size=501', 'page=x']) expect((await call('GET', `${path}?${query}`)).status).toBe(400);
  });

  it('pages an app version’s named defaults', async () => {
    for (const name of ['day', 'night']) expect((await call('PUT', `/app-versions/kettle-v1?name=${name}`, { name })).status).toBe(200);
    const first = await call('GET', '/app-versions/kettle-v1/configurations?size=1');
    expect(names(first.body)).toEqual(['day']);
    expect(first.headers.get('x-total-elements')).toBe('2');
    expect((await call('GET', '/app-versions/kettle-v1/configurations?size=501')).status).toBe(400);
  });
});
