import pg from 'pg';
import { DevIssuer, eventually, query, testDatabaseUrl } from '@kaa/testing';
import { ALL_SCOPES, api, startEcr, type RunningEcr } from './support.js';

const schema = {
  type: 'object',
  properties: { active: { type: 'boolean' }, pushInterval: { type: 'integer', minimum: 1 } },
  required: ['active'],
  additionalProperties: false,
};

describe('ecr REST', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let call: ReturnType<typeof api>;
  let other: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex'] });
    ecr = await startEcr({
      issuer,
      appConfig: {
        kaa: {
          applications: {
            kettle: { 'endpoint-configuration': { 'schema-required': true, schema: { type: 'object' } }, versions: { 'kettle-v2': { endpointConfigurationSchema: JSON.stringify(schema) } } },
            strict: { 'endpoint-configuration': { 'schema-required': true } },
            // Issue 12: a catastrophic-backtracking pattern, and one RE2 cannot run.
            redos: {
              versions: {
                'redos-v1': { endpointConfigurationSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } }, patternProperties: { '^(x+x+)+y$': { type: 'string' } } } },
                'redos-v2': { endpointConfigurationSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a)\\1$' } } } },
              },
            },
          },
        },
      },
      // race: globex's, so its writes reach the database while acme's row appears in the same slot.
      owners: { kettle: 'acme', strict: 'acme', redos: 'acme', race: 'globex' },
    });
    call = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    other = api(ecr.base, await issuer.mint('globex', { scope: ALL_SCOPES }));
  });

  afterAll(async () => {
    await ecr?.close();
    await issuer?.close();
  });

  it('stores an endpoint config with a new id each time, config as a JSON string, ETag = id', async () => {
    const first = await call('PUT', '/endpoints/ep-1/app-versions/kettle-v1', { active: true, pushInterval: 5 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      configId: expect.any(String),
      name: 'default',
      config: JSON.stringify({ active: true, pushInterval: 5 }),
      createdDate: expect.any(String),
      updatedDate: expect.any(String),
    });
    expect(first.headers.get('etag')).toBe(`"${first.body.configId}"`);

    const second = await call('PUT', '/endpoints/ep-1/app-versions/kettle-v1', { active: false });
    expect(second.body.configId).not.toBe(first.body.configId);
    expect(second.body.createdDate).toBe(first.body.createdDate);

    const read = await call('GET', '/endpoints/ep-1/app-versions/kettle-v1');
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body.config)).toEqual({ active: false });
    expect(read.headers.get('etag')).toBe(`"${second.body.configId}"`);
  });

  it('If-Match with another id: 412 and nothing changes; If-None-Match with the current id: 304', async () => {
    const stored = await call('PUT', '/endpoints/ep-2/app-versions/kettle-v1', { a: 1 });
    const refused = await call('PUT', '/endpoints/ep-2/app-versions/kettle-v1', { a: 2 }, { 'if-match': '"not-the-id"' });
    expect(refused.status).toBe(412);
    const unchanged = await call('GET', '/endpoints/ep-2/app-versions/kettle-v1');
    expect(unchanged.body.configId).toBe(stored.body.configId);
    expect(JSON.parse(unchanged.body.config)).toEqual({ a: 1 });

    const accepted = await call('PUT', '/endpoints/ep-2/app-versions/kettle-v1', { a: 3 }, { 'if-match': stored.body.configId });
    expect(accepted.status).toBe(200);

    const notModified = await call('GET', '/endpoints/ep-2/app-versions/kettle-v1', undefined, { 'if-none-match': `"${accepted.body.configId}"` });
    expect(notModified.status).toBe(304);
    const modified = await call('GET', '/endpoints/ep-2/app-versions/kettle-v1', undefined, { 'if-none-match': `"${stored.body.configId}"` });
    expect(modified.status).toBe(200);

    expect((await call('DELETE', '/endpoints/ep-2/app-versions/kettle-v1', undefined, { 'if-match': '"old"' })).status).toBe(412);
    expect((await call('DELETE', '/endpoints/ep-2/app-versions/kettle-v1')).status).toBe(200);
    expect((await call('GET', '/endpoints/ep-2/app-versions/kettle-v1')).status).toBe(404);
  });

  it('keeps named configs apart and lists them', async () => {
    await call('PUT', '/endpoints/ep-3/app-versions/kettle-v1', { x: 'default' });
    await call('PUT', '/endpoints/ep-3/app-versions/kettle-v1?name=wifi', { x: 'wifi' });
    const wifi = await call('GET', '/endpoints/ep-3/app-versions/kettle-v1?name=wifi');
    expect(wifi.body.name).toBe('wifi');
    expect(JSON.parse(wifi.body.config)).toEqual({ x: 'wifi' });
    const list = await call('GET', '/endpoints/ep-3/app-versions/kettle-v1/configurations');
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['default', 'wifi']);
    expect((await call('GET', '/endpoints/ep-3/app-versions/kettle-v1?name=bad.name')).status).toBe(400);
  });

  it('stores app-version defaults with the same shape and preconditions', async () => {
    const stored = await call('PUT', '/app-versions/kettle-v1', { interval: 10 });
    expect(stored.status).toBe(200);
    expect(stored.headers.get('etag')).toBe(`"${stored.body.configId}"`);
    await call('PUT', '/app-versions/kettle-v1?name=night', { interval: 60 });
    const list = await call('GET', '/app-versions/kettle-v1/configurations');
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['default', 'night']);
    expect((await call('PUT', '/app-versions/kettle-v1', { interval: 1 }, { 'if-match': '"x"' })).status).toBe(412);
    expect((await call('GET', '/app-versions/kettle-v1', undefined, { 'if-none-match': stored.body.configId })).status).toBe(304);
  });

  it('validates against the version schema (it wins over the app schema): 400 with JSON pointers', async () => {
    const invalid = await call('PUT', '/endpoints/ep-4/app-versions/kettle-v2', { pushInterval: 0, extra: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.violations).toEqual(
      expect.arrayContaining([
        { pointer: '/active', message: expect.any(String) },
        { pointer: '/pushInterval', message: expect.any(String) },
        { pointer: '/extra', message: expect.any(String) },
      ]),
    );
    expect((await call('PUT', '/endpoints/ep-4/app-versions/kettle-v2', { active: true })).status).toBe(200);
    // Version v1 has no own schema: the app schema (type object) applies.
    expect((await call('PUT', '/endpoints/ep-4/app-versions/kettle-v1', [1, 2])).status).toBe(400);

    const effective = await call('GET', '/app-versions/kettle-v2/schemas');
    expect(effective.body).toEqual(schema);
    expect((await call('PUT', '/app-versions/kettle-v2/schemas/validate', { active: 'yes' })).status).toBe(400);
    expect((await call('PUT', '/app-versions/kettle-v2/schemas/validate', { active: true })).body).toEqual({ valid: true });
  });

  it('matches schema patterns with RE2: a ReDoS pattern answers at once, a backreference is a 400 (issue 12)', async () => {
    const started = Date.now();
    const hostile = await call('PUT', '/app-versions/redos-v1/schemas/validate', { s: `${'a'.repeat(30)}!`, [`${'x'.repeat(40)}!`]: 1 });
    // It held ECR (and 6/CDTP with it) for over a minute with JavaScript's backtracking engine.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hostile.status).toBe(400);
    expect(hostile.body.violations).toEqual([{ pointer: '/s', message: expect.stringContaining('^(a+)+$') }]);
    expect((await call('PUT', '/app-versions/redos-v1/schemas/validate', { s: 'aaaa', xxy: 'ok' })).body).toEqual({ valid: true });
    const patterned = await call('PUT', '/app-versions/redos-v1/schemas/validate', { xxy: 1 });
    expect(patterned.body.violations).toEqual([{ pointer: '/xxy', message: expect.any(String) }]);

    const backreference = await call('PUT', '/app-versions/redos-v2/schemas/validate', { s: 'aa' });
    expect(backreference.status).toBe(400);
    expect(backreference.body.message).toContain(JSON.stringify('^(a)\\1$'));
    expect(backreference.body.message).toContain('RE2');
    expect((await call('PUT', '/endpoints/ep-9/app-versions/redos-v2', { s: 'aa' })).status).toBe(400);
    expect((await call('GET', '/endpoints/ep-9/app-versions/redos-v2')).status).toBe(404);
  });

  it('answers 404 when a schema is required and none exists', async () => {
    const refused = await call('PUT', '/endpoints/ep-5/app-versions/strict-v1', { a: 1 });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toContain('schema');
    expect((await call('GET', '/app-versions/strict-v1/schemas')).status).toBe(404);
  });

  it('refuses malformed JSON and bad app version names with 400 {message}', async () => {
    const malformed = await call('PUT', '/endpoints/ep-6/app-versions/kettle-v1', '{"a":');
    expect(malformed.status).toBe(400);
    expect(typeof malformed.body.message).toBe('string');
    expect((await call('PUT', '/endpoints/ep-6/app-versions/Kettle', { a: 1 })).status).toBe(400);
  });

  it('stores a batch in one transaction: all or nothing', async () => {
    const batch = await call('PUT', '/endpoints/batch', { configPayload: { active: true }, endpoints: { 'kettle-v2': ['b-1', 'b-2'], 'kettle-v1': ['b-3'] } });
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(3);
    expect(new Set(batch.body.map((c: { configId: string }) => c.configId)).size).toBe(3);
    expect((await call('GET', '/endpoints/b-2/app-versions/kettle-v2')).status).toBe(200);

    const invalid = await call('PUT', '/endpoints/batch', { configPayload: { active: 'no' }, endpoints: { 'kettle-v1': ['b-4'], 'kettle-v2': ['b-5'] } });
    expect(invalid.status).toBe(400);
    expect((await call('GET', '/endpoints/b-4/app-versions/kettle-v1')).status).toBe(404);
  });

  it("never shows or changes another tenant's configs (404)", async () => {
    await call('PUT', '/endpoints/ep-7/app-versions/kettle-v1', { mine: true });
    expect((await other('GET', '/endpoints/ep-7/app-versions/kettle-v1')).status).toBe(404);
    expect((await other('PUT', '/endpoints/ep-7/app-versions/kettle-v1', { theirs: true })).status).toBe(404);
    expect((await other('PUT', '/app-versions/kettle-v1', { theirs: true })).status).toBe(404);
    expect((await other('DELETE', '/endpoints/ep-7/app-versions/kettle-v1')).status).toBe(404);
    expect(JSON.parse((await call('GET', '/endpoints/ep-7/app-versions/kettle-v1')).body.config)).toEqual({ mine: true });
  });

  it("answers 404 on another tenant's app version before validating, on config and schema routes", async () => {
    expect((await call('PUT', '/endpoints/own-1/app-versions/kettle-v2', { active: true })).status).toBe(200);
    const invalid = { active: 'no', extra: 1 };
    for (const refused of [
      await other('PUT', '/endpoints/their-1/app-versions/kettle-v2', invalid),
      await other('PUT', '/endpoints/batch', { configPayload: invalid, endpoints: { 'kettle-v2': ['their-2'] } }),
      await other('PUT', '/app-versions/kettle-v2', invalid),
      await other('GET', '/app-versions/kettle-v2/schemas'),
      await other('PUT', '/app-versions/kettle-v2/schemas/validate', invalid),
      await other('PUT', '/app-versions/kettle-v2/schemas/validate', { active: true }),
    ]) {
      expect(refused.status).toBe(404);
      expect(refused.body.violations).toBeUndefined();
      expect(JSON.stringify(refused.body)).not.toContain('pushInterval');
    }
    expect((await call('GET', '/app-versions/kettle-v2/schemas')).body).toEqual(schema);
  });

  it("the owner's write replaces a row another tenant put in its slot after the ownership check (never served, not kept)", async () => {
    // A row of acme (not the owner) appears in a slot, in a transaction still open while globex,
    // the version's owner, writes the same slot: globex's upsert waits for the commit, then
    // replaces it. A foreign row must not lock the owner out of its own version.
    const table = (name: string) => `"${ecr.instance}".${name}`;
    for (const attempt of [
      {
        insert: `INSERT INTO ${table('endpoint_config')} (config_id, tenant_id, endpoint_id, app_version_name, name, config, created_date, updated_date)
                 VALUES ('race-a-1', 'acme', 'race-ep', 'race-v1', 'default', '{"acme":true}', now(), now())`,
        write: () => other('PUT', '/endpoints/race-ep/app-versions/race-v1', { globex: true }),
        stored: `SELECT tenant_id, config FROM ${table('endpoint_config')} WHERE endpoint_id = 'race-ep'`,
        read: () => other('GET', '/endpoints/race-ep/app-versions/race-v1'),
      },
      {
        insert: `INSERT INTO ${table('default_config')} (config_id, tenant_id, app_version_name, name, config, created_date, updated_date)
                 VALUES ('race-a-2', 'acme', 'race-v2', 'default', '{"acme":true}', now(), now())`,
        write: () => other('PUT', '/app-versions/race-v2', { globex: true }),
        stored: `SELECT tenant_id, config FROM ${table('default_config')} WHERE app_version_name = 'race-v2'`,
        read: () => other('GET', '/app-versions/race-v2'),
      },
    ]) {
      const acme = new pg.Client({ connectionString: testDatabaseUrl() });
      await acme.connect();
      try {
        await acme.query('BEGIN');
        await acme.query(attempt.insert);
        const [{ xid }] = (await acme.query('SELECT pg_current_xact_id()::text AS xid')).rows;
        const written = attempt.write();
        await eventually(async () =>
          (await query(`SELECT 1 FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = $1 AND NOT granted`, [xid])).length > 0 ? true : undefined,
        );
        await acme.query('COMMIT');
        expect((await written).status).toBe(200);
        expect(await query(attempt.stored)).toEqual([{ tenant_id: 'globex', config: '{"globex":true}' }]);
        expect(JSON.parse(((await attempt.read()).body as { config: string }).config)).toEqual({ globex: true });
      } finally {
        await acme.end();
      }
    }
  });

  it('refuses NUL in endpoint ids and status filters with 400 and stores nothing', async () => {
    expect((await call('PUT', '/endpoints/a%00b/app-versions/kettle-v1', { a: 1 })).status).toBe(400);
    expect((await call('GET', '/endpoints/a%00b/app-versions/kettle-v1')).status).toBe(400);
    expect((await call('GET', '/statuses?endpointId=%00')).status).toBe(400);
    expect((await call('GET', '/statuses?endpointId=ep-1&appVersionName=%00')).status).toBe(400);
    expect((await call('GET', '/statuses?endpointId=ep-1&configId=a%00')).status).toBe(400);
    const batch = await call('PUT', '/endpoints/batch', { configPayload: { a: 1 }, endpoints: { 'kettle-v1': ['nul-ok', 'nul\u0000bad'] } });
    expect(batch.status).toBe(400);
    expect((await call('GET', '/endpoints/nul-ok/app-versions/kettle-v1')).status).toBe(404);
    expect(await query(`SELECT 1 FROM "${ecr.instance}".endpoint_config WHERE endpoint_id LIKE 'nul%'`)).toEqual([]);
  });

  it('checks scopes: endpoint:* for endpoint configs, application:endpoint-config:* for defaults', async () => {
    const endpointOnly = api(ecr.base, await issuer.mint('acme', { scope: 'endpoint:read endpoint:update' }));
    expect((await endpointOnly('PUT', '/app-versions/kettle-v1', { a: 1 })).status).toBe(403);
    expect((await endpointOnly('DELETE', '/endpoints/ep-7/app-versions/kettle-v1')).status).toBe(403);
    expect((await endpointOnly('GET', '/endpoints/ep-7/app-versions/kettle-v1')).status).toBe(200);
    const anonymous = await fetch(`${ecr.base}/endpoints/ep-7/app-versions/kettle-v1`);
    expect(anonymous.status).toBe(401);
  });
});
