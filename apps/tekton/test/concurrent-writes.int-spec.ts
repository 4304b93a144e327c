import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

describe('concurrent writers of one configuration', () => {
  let tekton: Tekton;
  let acme: ReturnType<typeof client>;
  const app = `race_${Date.now().toString(36)}`;
  const path = `/app-configs/applications/${app}`;

  beforeAll(async () => {
    tekton = await startTekton();
    acme = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: ALL_SCOPES, sub: 'alice' }));
    expect((await acme('POST', '/applications', { name: app })).status).toBe(201);
  });

  afterAll(() => tekton?.close());

  it('get gapless, ordered revisions, and the stored config is the newest revision', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? acme('PUT', path, { cmx: { kaa: { applications: { [app]: { writer: i } } } } })
        : acme('PATCH', `${path}?serviceInstanceName=cmx`, { writer: i, [`patched${i}`]: true }),
    );
    expect((await Promise.all(writes)).map((r) => r.status)).toEqual(Array(20).fill(200));

    const history = await acme('GET', `${path}/history?serviceInstanceName=cmx`);
    const revisions: { revision: number; config: Record<string, unknown> }[] = history.body;
    expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    const current = await acme('GET', `${path}?serviceInstanceName=cmx`);
    expect(current.body.cmx.kaa.applications[app]).toEqual(revisions[0].config);
  });
});
