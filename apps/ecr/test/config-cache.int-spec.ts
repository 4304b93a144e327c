import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp } from '@kaa/protocols';
import { DevIssuer, eventually, query, uniqueName } from '@kaa/testing';
import { ALL_SCOPES, api, natsConnection, reference, startEcr, type RunningEcr } from './support.js';

const requestType = reference.request();
const responseType = reference.response();

/** The cache's lookups by result, from the replica's /metrics. */
async function cacheLookups(replica: RunningEcr): Promise<Record<string, number>> {
  const text = await (await fetch(`${replica.base.replace('/api/v1', '')}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^ecr_config_cache_lookups_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) counts[match[1]] = Number(match[2]);
  return counts;
}

describe('config cache: two replicas of one ecr instance', () => {
  let issuer: DevIssuer;
  let a: RunningEcr;
  let b: RunningEcr;
  let nc: NatsConnection;
  const tenant = uniqueName('cache-tenant');
  const instance = uniqueName('ecr-cache');
  // A TTL far beyond the test: only change notifications can make a replica forget.
  const env = { CONFIG_CACHE_TTL_MS: '600000' };
  // Versions `cached-v-t…` and `bulk-v-t…` (uniqueName) are of the applications `cached-v` and `bulk-v`.
  const owners = { kettle: tenant, 'cached-v': tenant, 'bulk-v': tenant };

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: [tenant] });
    a = await startEcr({ issuer, instance, env, owners });
    b = await startEcr({ issuer, instance, env, owners });
    nc = await natsConnection();
  });

  afterAll(async () => {
    await nc?.close();
    await b?.app.close();
    await a?.close();
    await issuer?.close();
  });

  const endpoint = () => `ep-${randomUUID()}`;
  const rest = async (replica: RunningEcr) => api(replica.base, await issuer.mint(tenant, { scope: ALL_SCOPES }));
  const configIdVia = async (replica: RunningEcr, endpointId: string) => (await (await rest(replica))('GET', `/endpoints/${endpointId}/app-versions/kettle-v1`)).body?.configId;

  it('answers repeated reads from memory', async () => {
    const id = endpoint();
    const stored = await (await rest(a))('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 1 });
    const before = await cacheLookups(b);
    for (let i = 0; i < 5; i++) expect(await configIdVia(b, id)).toBe(stored.body.configId);
    const after = await cacheLookups(b);
    expect((after['hit'] ?? 0) - (before['hit'] ?? 0)).toBe(4);
  });

  it("a replica's own write is visible to its next read at once", async () => {
    const id = endpoint();
    const api = await rest(b);
    await api('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 1 });
    expect(await configIdVia(b, id)).toBeDefined();
    const second = await api('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 2 });
    expect(await configIdVia(b, id)).toBe(second.body.configId);
    await api('DELETE', `/endpoints/${id}/app-versions/kettle-v1`);
    expect((await api('GET', `/endpoints/${id}/app-versions/kettle-v1`)).status).toBe(404);
  });

  it("forgets what another replica changed", async () => {
    const id = endpoint();
    const first = await (await rest(a))('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 1 });
    expect(await configIdVia(b, id)).toBe(first.body.configId);
    const second = await (await rest(a))('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 2 });
    await eventually(async () => ((await configIdVia(b, id)) === second.body.configId ? true : undefined));
  });

  it('forgets what was changed with plain SQL, endpoint configs and defaults alike', async () => {
    const id = endpoint();
    const stored = await (await rest(a))('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 1 });
    expect(await configIdVia(b, id)).toBe(stored.body.configId);
    await query(`UPDATE "${instance}".endpoint_config SET config_id = $1 WHERE config_id = $2`, [`sql-${id}`, stored.body.configId]);
    await eventually(async () => ((await configIdVia(b, id)) === `sql-${id}` ? true : undefined));

    // 6/CDTP: an endpoint without its own config gets the default; a new default reaches it.
    const version = uniqueName('cached-v');
    const fallback = endpoint();
    const firstDefault = await (await rest(a))('PUT', `/app-versions/${version}`, { d: 1 });
    expect((await pull(fallback, version)).configId).toBe(firstDefault.body.configId);
    expect((await pull(fallback, version)).configId).toBe(firstDefault.body.configId);
    await query(`UPDATE "${instance}".default_config SET config_id = $1 WHERE config_id = $2`, [`sql-default-${id}`, firstDefault.body.configId]);
    // Pulls go to either replica (queue group): both must have forgotten.
    await eventually(async () => {
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => pull(fallback, version)));
      return answers.every((answer) => answer.configId === `sql-default-${id}`) ? true : undefined;
    });
    await query(`DELETE FROM "${instance}".default_config WHERE config_id = $1`, [`sql-default-${id}`]);
    await eventually(async () => {
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => pull(fallback, version)));
      return answers.every((answer) => answer.statusCode === 404) ? true : undefined;
    });
  });

  it('forgets endpoints changed by a statement too large to name them one by one', async () => {
    const version = uniqueName('bulk-v');
    const ids = Array.from({ length: 150 }, (_, i) => `bulk-${i}-${randomUUID()}`);
    await query(
      `INSERT INTO "${instance}".endpoint_config (config_id, tenant_id, endpoint_id, app_version_name, name, config, created_date, updated_date)
       SELECT 'old-' || e, $1, e, $2, 'default', '{}', now(), now() FROM unnest($3::text[]) AS e`,
      [tenant, version, ids],
    );
    const read = async (id: string) => (await (await rest(b))('GET', `/endpoints/${id}/app-versions/${version}`)).body?.configId;
    expect(await read(ids[0])).toBe(`old-${ids[0]}`);
    expect(await read(ids[149])).toBe(`old-${ids[149]}`);
    await query(`UPDATE "${instance}".endpoint_config SET config_id = 'new-' || endpoint_id WHERE app_version_name = $1`, [version]);
    await eventually(async () => ((await read(ids[0])) === `new-${ids[0]}` && (await read(ids[149])) === `new-${ids[149]}` ? true : undefined));
  });

  it('misses no change made while its change notifications were cut off', async () => {
    const id = endpoint();
    const stored = await (await rest(a))('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { n: 1 });
    expect(await configIdVia(b, id)).toBe(stored.body.configId);
    expect(await configIdVia(a, id)).toBe(stored.body.configId);
    // Cut both replicas' LISTEN connections, then change the row before they can listen again.
    const cut = await query(
      `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = $1`,
      [`ecr-config-cache:${instance}`.slice(0, 63)],
    );
    expect(cut).toHaveLength(2);
    await query(`UPDATE "${instance}".endpoint_config SET config_id = $1 WHERE config_id = $2`, [`outage-${id}`, stored.body.configId]);
    await eventually(async () => ((await configIdVia(b, id)) === `outage-${id}` && (await configIdVia(a, id)) === `outage-${id}` ? true : undefined));
    // Listening again, the cache works again.
    await eventually(async () => {
      const before = (await cacheLookups(b))['hit'] ?? 0;
      await configIdVia(b, id);
      await configIdVia(b, id);
      return ((await cacheLookups(b))['hit'] ?? 0) > before ? true : undefined;
    }, 10_000);
  });

  async function pull(endpointId: string, appVersionName: string) {
    const bytes = requestType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName, endpointId, configId: null, configName: null });
    const reply = await nc.request(cdtp.request(instance), bytes, { timeout: 5000 });
    return responseType.fromBuffer(Buffer.from(reply.data)) as { statusCode: number; configId: string | null };
  }
});
