import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { eventually, query, testDatabaseUrl } from '@kaa/testing';
import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

describe('concurrent writers of one configuration', () => {
  let tekton: Tekton;
  let acme: ReturnType<typeof client>;
  let globex: ReturnType<typeof client>;
  const app = `race_${Date.now().toString(36)}`;
  const path = `/app-configs/applications/${app}`;

  beforeAll(async () => {
    tekton = await startTekton();
    acme = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: ALL_SCOPES, sub: 'alice' }));
    globex = client(tekton.baseUrl, await tekton.issuer.mint('globex', { scope: ALL_SCOPES, sub: 'bob' }));
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

  it('never deadlock when requests name the same instances in different orders', async () => {
    const doc = (order: string[], i: number) => Object.fromEntries(order.map((instance) => [instance, { kaa: { applications: { [app]: instance === 'ecr' ? {} : { 'push-on-connect': i % 2 === 0 } } } }]));
    const writes = Array.from({ length: 10 }, (_, i) => acme('PUT', path, doc(i % 2 === 0 ? ['ecr', 'cmx'] : ['cmx', 'ecr'], i)));
    expect((await Promise.all(writes)).map((r) => r.status)).toEqual(Array(10).fill(200));
  });

  it('a config written while its application is being removed waits, then finds no application', async () => {
    const doomed = `doomed_${Date.now().toString(36)}`;
    expect((await acme('POST', '/applications', { name: doomed })).status).toBe(201);
    // A removal in progress, as ApplicationsService.remove does it: app row locked, configs dropped, app deleted, not yet committed.
    const remover = new pg.Client({ connectionString: testDatabaseUrl() });
    await remover.connect();
    try {
      const schema = `"${tekton.instance}"`;
      const [{ pid }] = (await remover.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      await remover.query('BEGIN');
      await remover.query(`SELECT id FROM ${schema}.application WHERE name = $1 FOR UPDATE`, [doomed]);
      await remover.query(`DELETE FROM ${schema}.service_config WHERE app_name = $1`, [doomed]);
      await remover.query(`DELETE FROM ${schema}.application WHERE name = $1`, [doomed]);

      let settled = false;
      const put = acme('PUT', `/app-configs/applications/${doomed}`, { cmx: { kaa: { applications: { [doomed]: { 'push-on-connect': true } } } } }).finally(() => (settled = true));
      const waiting = async () => (await query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid])).length > 0;
      await eventually(async () => settled || (await waiting()) || undefined);
      await remover.query('COMMIT');

      expect((await put).status).toBe(404);
      expect(await query(`SELECT 1 FROM ${schema}.service_config WHERE app_name = $1`, [doomed])).toEqual([]);
    } finally {
      await remover.end();
    }
  });

  it("a reused application name never sees, nor overwrites, what another tenant's removed application left", async () => {
    const reused = `reused_${Date.now().toString(36)}`;
    const schema = `"${tekton.instance}"`;
    const orphan = { 'push-on-connect': true, owner: 'acme' };
    // What a write racing a removal could leave before writers locked the application row.
    await query(
      `INSERT INTO ${schema}.service_config (service_instance, level, tenant_id, app_name, app_version_name, scope_key, config, revision)
       VALUES ('cmx', 'application', 'acme', $1, NULL, $2, $3::jsonb, 1)`,
      [reused, `application:${reused}`, JSON.stringify(orphan)],
    );
    await query(
      `INSERT INTO ${schema}.config_revision (id, service_instance, level, tenant_id, app_name, app_version_name, scope_key, revision, config, author)
       VALUES ($1, 'cmx', 'application', 'acme', $2, NULL, $3, 1, $4::jsonb, 'alice')`,
      [randomUUID(), reused, `application:${reused}`, JSON.stringify(orphan)],
    );
    expect((await globex('POST', '/applications', { name: reused })).status).toBe(201);
    const appPath = `/app-configs/applications/${reused}`;

    const history = await globex('GET', `${appPath}/history?serviceInstanceName=cmx`);
    expect(history.status).toBe(200);
    expect(history.body).toEqual([]);
    expect((await globex('GET', `${appPath}?serviceInstanceName=cmx`)).body.cmx.kaa.applications[reused]).toEqual({});
    expect((await globex('PUT', appPath, { cmx: { kaa: { applications: { [reused]: { 'push-on-connect': false } } } } })).status).toBe(404);
    const [stored] = await query<{ tenant_id: string; config: unknown }>(`SELECT tenant_id, config FROM ${schema}.service_config WHERE app_name = $1`, [reused]);
    expect(stored).toEqual({ tenant_id: 'acme', config: orphan });
  });
});
