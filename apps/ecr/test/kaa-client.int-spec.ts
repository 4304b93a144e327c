/**
 * Every Tekton and ECR method of Kaa's official Python REST client (kaaproject/kaa-rest-api-python
 * at 78c6252: `src/kaa_rest_client/tekton.py`, `ecr.py`, `ecr_models.py`, `client.py`), sent exactly
 * as the client sends it (httpx; PyPI is out of reach here) to a running tekton and a tekton-backed
 * ecr, and each answer read the way the client's models read it.
 *
 * How the client sends: `{prefix}{path}` with prefix `/tekton/api/v1` or `/ecr/api/v1` (the
 * ingress strips `/tekton` and `/ecr`; our services serve `/api/v1`); `params` as the query (ECR's
 * configuration methods always add `name`, `default` unless given); `json=` bodies as
 * `application/json` (PATCH included: the client never sends `application/merge-patch+json`);
 * `Authorization: Bearer`. Any 4xx/5xx raises (KaaAuthError, KaaNotFoundError, KaaApiError), so a
 * row passes only on 2xx/3xx. Bodies are JSON when the content type says so, else text; 204 or no
 * body is None.
 *
 * The table below lists all 58 methods (21 tekton, 37 ecr; an earlier count said 57). Rows marked
 * `pending` are `it.todo` naming what they wait for: flip them by deleting `pending`.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { ALL_SCOPES } from '@kaa/auth';
import { cdtp } from '@kaa/protocols';
import { DevIssuer, eventually, uniqueName } from '@kaa/testing';
import { EprStandIn } from './epr-stand-in.js';
import { ecrClient, natsConnection, reference, startEcr, startTektonProcess, tektonEnv, type RunningEcr, type RunningTekton } from './support.js';

type Json = unknown;
type Params = Record<string, string>;

interface ClientResponse {
  status: number;
  headers: Headers;
  data: Json;
}

/** What the client's request carries (`KaaClient.request_response`). */
interface ClientRequest {
  http: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The client's full path, prefix included, with `{placeholders}` of `names`. */
  path: string;
  params?: Params;
  json?: Json;
}

interface Row extends ClientRequest {
  client: 'TektonClient' | 'EcrClient';
  method: string;
  /** What the row waits for; it is then `it.todo`. */
  pending?: string;
  /** Runs before the request (e.g. a 6/CDTP pull so that `/statuses` has an entry). */
  before?: () => Promise<void>;
  /** Reads the answer as the client's model does; throws where the model would. */
  check: (response: ClientResponse) => void;
}

const rand = () => randomUUID().slice(0, 6);
const SUFFIX = 'v1';
const names = {
  app: `meter${rand()}`,
  version: '',
  ecr: uniqueName('ecr'),
  tenant: 'acme',
  endpoint: `ep-${rand()}`,
  other: `ep-${rand()}`,
  filter: randomUUID(),
  systemName: 'alert-email-recipients',
  configId: '',
};
names.version = `${names.app}-${SUFFIX}`;
const systemIds: Record<string, string> = {};

const fill = (template: string) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = key in systemIds ? systemIds[key] : (names as Record<string, string>)[key];
    if (value === undefined) throw new Error(`no value for {${key}}`);
    return value;
  });

// --- the client's models (ecr_models.py), as strict as their `payload[...]` reads --------------

function required(payload: Json, keys: string[], model: string): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error(`${model}: not an object: ${JSON.stringify(payload)}`);
  const record = payload as Record<string, unknown>;
  for (const key of keys) if (!(key in record)) throw new Error(`${model}.from_dict: KeyError ${key} in ${JSON.stringify(payload)}`);
  return record;
}

/** parse_config: a JSON string is decoded; anything else stays. */
const parseConfig = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

const EndpointConfiguration = (payload: Json) => {
  const p = required(payload, ['configId', 'name', 'createdDate', 'updatedDate'], 'EndpointConfiguration');
  return { configId: p['configId'], name: p['name'], config: parseConfig(p['config']) };
};
const EndpointConfigurations = (payload: Json) => {
  if (!Array.isArray(payload)) throw new Error(`list of EndpointConfiguration expected: ${JSON.stringify(payload)}`);
  return payload.map(EndpointConfiguration);
};
const ConfigurationStatusPage = (payload: Json) => {
  const p = required(payload, [], 'ConfigurationStatusPage');
  const content = (p['content'] ?? []) as Json[];
  return content.map((item) => required(item, ['configId', 'endpointId', 'appVersionName', 'status'], 'ConfigurationStatus'));
};
const SystemConfiguration = (payload: Json) => {
  const p = required(payload, ['configId', 'name', 'createdAt', 'updatedAt'], 'SystemConfiguration');
  return { configId: String(p['configId']), name: p['name'], config: parseConfig(p['config']) };
};
const SystemConfigurationList = (payload: Json) => {
  const p = required(payload, [], 'SystemConfigurationList');
  return ((p['content'] ?? []) as Json[]).map(SystemConfiguration);
};

const ok = () => undefined;

// --- the 58 methods ------------------------------------------------------------------------

const T = '/tekton/api/v1';
const E = '/ecr/api/v1';
const appConfig = (config: Json) => ({ [names.ecr]: { kaa: { applications: { [names.app]: config } } } });
const versionConfig = (config: Json) => appConfig({ versions: { [names.version]: config } });
const SCHEMA = { type: 'object', required: ['active'], properties: { active: { type: 'boolean' }, level: { type: 'integer' } } };

/** The system-configuration methods of one level (`ecr.py`, 27/SCMP): six each, four levels. */
function systemRows(level: string, method: string, owner: string): Row[] {
  const base = `${E}/system/${level}/${owner}/configs`;
  const idKey = `system_${level.replace(/-/g, '_')}`;
  const body = { name: names.systemName, displayName: 'Alert email recipients', config: JSON.stringify({ emails: ['alert-monitor@acme.com'] }) };
  return [
    { client: 'EcrClient', method: `create_${method}_config`, http: 'POST', path: base, json: body, check: ok },
    {
      client: 'EcrClient',
      method: `list_${method}_configs`,
      http: 'GET',
      path: base,
      check: ({ data }) => {
        const found = SystemConfigurationList(data).find((c) => c.name === names.systemName);
        expect(found?.config).toEqual({ emails: ['alert-monitor@acme.com'] });
        systemIds[idKey] = found!.configId;
      },
    },
    {
      client: 'EcrClient',
      method: `get_current_${method}_config`,
      http: 'GET',
      path: `${base}/current`,
      // tree_traversal_strategy defaults to None, so the client sends only `name`.
      params: { name: names.systemName },
      check: ({ data }) => expect(SystemConfiguration(data).name).toBe(names.systemName),
    },
    { client: 'EcrClient', method: `get_${method}_config`, http: 'GET', path: `${base}/{${idKey}}`, check: ({ data }) => expect(SystemConfiguration(data).name).toBe(names.systemName) },
    { client: 'EcrClient', method: `update_${method}_config`, http: 'PUT', path: `${base}/{${idKey}}`, json: { ...body, config: '{"emails":[]}' }, check: ok },
    { client: 'EcrClient', method: `delete_${method}_config`, http: 'DELETE', path: `${base}/{${idKey}}`, check: ok },
  ];
}

export const CLIENT_METHODS: Row[] = [
  // TektonClient (tekton.py), in the order of the file.
  { client: 'TektonClient', method: 'list_service_instances', http: 'GET', path: `${T}/service-instances`, check: ({ data }) => expect(data).toEqual(expect.arrayContaining([expect.objectContaining({ name: names.ecr, serviceName: 'ecr' })])) },
  { client: 'TektonClient', method: 'get_service_instance', http: 'GET', path: `${T}/service-instances/{ecr}`, check: ({ data }) => expect(data).toMatchObject({ name: names.ecr, appConfigurationSchemaPresent: true }) },
  { client: 'TektonClient', method: 'create_application', http: 'POST', path: `${T}/applications`, json: { name: names.app, displayName: 'Meter' }, check: ({ status }) => expect(status).toBe(201) },
  { client: 'TektonClient', method: 'list_applications', http: 'GET', path: `${T}/applications`, params: { tenantId: names.tenant }, check: ({ data }) => expect(data).toEqual(expect.arrayContaining([expect.objectContaining({ name: names.app })])) },
  { client: 'TektonClient', method: 'get_application', http: 'GET', path: `${T}/applications/{app}`, check: ({ data }) => expect(data).toMatchObject({ name: names.app, displayName: 'Meter', versions: [] }) },
  { client: 'TektonClient', method: 'update_application', http: 'PATCH', path: `${T}/applications/{app}`, json: { displayName: 'Smart meter' }, check: ({ data }) => expect(data).toMatchObject({ displayName: 'Smart meter' }) },
  { client: 'TektonClient', method: 'create_app_version', http: 'POST', path: `${T}/applications/{app}/app-versions`, json: { nameSuffix: SUFFIX }, check: ({ status }) => expect(status).toBe(201) },
  { client: 'TektonClient', method: 'list_app_versions', http: 'GET', path: `${T}/applications/{app}/app-versions`, check: ({ data }) => expect(data).toEqual([expect.objectContaining({ name: names.version })]) },
  { client: 'TektonClient', method: 'get_app_version', http: 'GET', path: `${T}/applications/{app}/app-versions/{version}`, check: ({ data }) => expect(data).toMatchObject({ name: names.version }) },
  { client: 'TektonClient', method: 'update_app_version', http: 'PATCH', path: `${T}/applications/{app}/app-versions/{version}`, json: { description: 'first' }, check: ({ data }) => expect(data).toMatchObject({ description: 'first' }) },
  { client: 'TektonClient', method: 'init_app_configs', http: 'POST', path: `${T}/app-configs`, json: appConfig({ 'endpoint-configuration': { 'schema-required': false } }), check: ({ data }) => expect(data).toMatchObject({ changed: expect.any(Number) }) },
  { client: 'TektonClient', method: 'export_app_configs', http: 'GET', path: `${T}/app-configs`, params: { serviceInstanceName: names.ecr }, check: ({ data }) => expect(data).toMatchObject(appConfig({ 'endpoint-configuration': { 'schema-required': false } })) },
  { client: 'TektonClient', method: 'upsert_app_config', http: 'PUT', path: `${T}/app-configs/applications/{app}`, json: appConfig({ 'endpoint-configuration': { 'schema-required': true } }), check: ok },
  { client: 'TektonClient', method: 'get_app_config', http: 'GET', path: `${T}/app-configs/applications/{app}`, params: { serviceInstanceName: names.ecr }, check: ({ data }) => expect(data).toEqual(appConfig({ 'endpoint-configuration': { 'schema-required': true } })) },
  { client: 'TektonClient', method: 'patch_app_config', http: 'PATCH', path: `${T}/app-configs/applications/{app}`, params: { serviceInstanceName: names.ecr }, json: appConfig({ 'endpoint-configuration': { 'schema-required': false } }), check: ({ data }) => expect(JSON.stringify(data)).toContain('"schema-required":false') },
  { client: 'TektonClient', method: 'upsert_app_version_config', http: 'PUT', path: `${T}/app-configs/applications/{app}/app-versions/{version}`, json: versionConfig({ endpointConfigurationSchema: { type: 'object' } }), check: ok },
  { client: 'TektonClient', method: 'get_app_version_config', http: 'GET', path: `${T}/app-configs/applications/{app}/app-versions/{version}`, params: { serviceInstanceName: names.ecr }, check: ({ data }) => expect(data).toEqual(versionConfig({ endpointConfigurationSchema: { type: 'object' } })) },
  { client: 'TektonClient', method: 'patch_app_version_config', http: 'PATCH', path: `${T}/app-configs/applications/{app}/app-versions/{version}`, params: { serviceInstanceName: names.ecr }, json: versionConfig({ endpointConfigurationSchema: SCHEMA }), check: ({ data }) => expect(JSON.stringify(data)).toContain('"required":["active"]') },
  { client: 'TektonClient', method: 'upsert_tenant_config', http: 'PUT', path: `${T}/tenant-configs`, json: { [names.ecr]: { kaa: { tenants: { [names.tenant]: { config: { region: 'eu' } } } } } }, check: ok },
  { client: 'TektonClient', method: 'get_tenant_configs', http: 'GET', path: `${T}/tenant-configs`, params: { serviceInstanceName: names.ecr, tenantId: names.tenant }, check: ({ data }) => expect(JSON.stringify(data)).toContain('"region":"eu"') },
  { client: 'TektonClient', method: 'bulk_export', http: 'GET', path: `${T}/bulk`, params: { serviceInstanceName: names.ecr, include: 'configs', appName: names.app }, check: ({ data }) => expect(JSON.stringify(data)).toContain(names.version) },

  // EcrClient (ecr.py): endpoint-delivered configuration.
  {
    client: 'EcrClient',
    method: 'upsert_endpoint_configuration',
    http: 'PUT',
    path: `${E}/endpoints/{endpoint}/app-versions/{version}`,
    params: { name: 'default' },
    json: { active: true, level: 1 },
    check: ({ data, headers }) => {
      const config = EndpointConfiguration(data);
      expect(config.config).toEqual({ active: true, level: 1 });
      expect(headers.get('etag')).toBe(`"${String(config.configId)}"`);
      names.configId = String(config.configId);
    },
  },
  { client: 'EcrClient', method: 'get_endpoint_configuration', http: 'GET', path: `${E}/endpoints/{endpoint}/app-versions/{version}`, params: { name: 'default' }, check: ({ data }) => expect(EndpointConfiguration(data)).toMatchObject({ configId: names.configId, name: 'default', config: { active: true, level: 1 } }) },
  { client: 'EcrClient', method: 'list_endpoint_configurations', http: 'GET', path: `${E}/endpoints/{endpoint}/app-versions/{version}/configurations`, check: ({ data }) => expect(EndpointConfigurations(data).map((c) => c.name)).toEqual(['default']) },
  {
    client: 'EcrClient',
    method: 'bulk_upsert_endpoint_configurations',
    http: 'PUT',
    path: `${E}/endpoints/batch`,
    params: { name: 'default' },
    json: { configPayload: { active: true, level: 2 }, endpoints: { '{version}': ['{other}'] } },
    check: ({ data }) => expect(data).toEqual([expect.objectContaining({ endpointId: names.other, name: 'default' })]),
  },
  {
    client: 'EcrClient',
    method: 'upsert_endpoint_configurations_by_filter',
    http: 'PUT',
    path: `${E}/endpoints/filters/{filter}`,
    params: { name: 'default' },
    json: { active: false, level: 3 },
    check: ({ data }) => expect((data as { endpointId: string }[]).map((c) => c.endpointId).sort()).toEqual([names.endpoint, names.other].sort()),
  },
  { client: 'EcrClient', method: 'upsert_app_version_configuration', http: 'PUT', path: `${E}/app-versions/{version}`, params: { name: 'default' }, json: { active: true }, check: ({ data }) => expect(EndpointConfiguration(data).config).toEqual({ active: true }) },
  { client: 'EcrClient', method: 'get_app_version_configuration', http: 'GET', path: `${E}/app-versions/{version}`, params: { name: 'default' }, check: ({ data }) => expect(EndpointConfiguration(data).config).toEqual({ active: true }) },
  { client: 'EcrClient', method: 'list_app_version_configurations', http: 'GET', path: `${E}/app-versions/{version}/configurations`, check: ({ data }) => expect(EndpointConfigurations(data)).toHaveLength(1) },
  { client: 'EcrClient', method: 'get_app_version_schema', http: 'GET', path: `${E}/app-versions/{version}/schemas`, check: ({ data }) => expect(data).toEqual(SCHEMA) },
  { client: 'EcrClient', method: 'validate_app_version_schema', http: 'PUT', path: `${E}/app-versions/{version}/schemas/validate`, json: { active: true, level: 4 }, check: ok },
  {
    client: 'EcrClient',
    method: 'list_configuration_statuses',
    http: 'GET',
    path: `${E}/statuses`,
    // app_version_name given, config_id left None: the client then sends these two.
    params: { endpointId: '{endpoint}', appVersionName: '{version}' },
    before: () => pull(names.endpoint),
    check: ({ data }) => expect(ConfigurationStatusPage(data)).toEqual([expect.objectContaining({ endpointId: names.endpoint, appVersionName: names.version, status: 'DISPATCHED' })]),
  },
  { client: 'EcrClient', method: 'delete_endpoint_configuration', http: 'DELETE', path: `${E}/endpoints/{endpoint}/app-versions/{version}`, params: { name: 'default' }, check: ok },
  { client: 'EcrClient', method: 'delete_app_version_configuration', http: 'DELETE', path: `${E}/app-versions/{version}`, params: { name: 'default' }, check: ok },

  // EcrClient (ecr.py): system configuration, four levels.
  ...systemRows('tenants', 'tenant', '{tenant}'),
  ...systemRows('applications', 'application', '{app}'),
  ...systemRows('app-versions', 'app_version', '{version}'),
  ...systemRows('endpoints', 'endpoint', '{endpoint}'),
];

// A 6/CDTP pull, so that the endpoint has a dispatch record for `/statuses`.
let pull: (endpointId: string) => Promise<void> = () => Promise.reject(new Error('not started'));

describe("Kaa's official Python client (kaa-rest-api-python) against tekton and ecr", () => {
  const credentials = ecrClient(`ecr-${rand()}`);
  let issuer: DevIssuer;
  let tekton: RunningTekton;
  let epr: EprStandIn;
  let ecr: RunningEcr;
  let nc: NatsConnection;
  let token: string;
  const bases: Record<string, string> = {};
  let ecrCaughtUp = false;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'kaa'], clients: [{ ...credentials, scope: `${credentials.scope} endpoint:read` }] });
    tekton = await startTektonProcess({ issuer, ecrInstance: names.ecr });
    epr = await EprStandIn.start({ issuer, realm: 'kaa', clientId: credentials.clientId });
    epr.addFilter(names.filter, names.version, [names.endpoint, names.other]);
    ecr = await startEcr({ issuer, instance: names.ecr, env: { ...tektonEnv(issuer, tekton, credentials.clientId), EPR_URL: epr.url } });
    // One user token for both services, as a KaaClient(bearer_token=...) holds.
    token = await issuer.mint(names.tenant, { scope: [...ALL_SCOPES] });
    bases[T] = `${tekton.url}/api/v1`;
    bases[E] = ecr.base;
    nc = await natsConnection();
    const requestType = reference.request();
    pull = async (endpointId) => {
      const bytes = requestType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, endpointId, appVersionName: names.version, configId: null, configName: null });
      await nc.request(cdtp.request(ecr.instance), bytes, { timeout: 5000 });
    };
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await ecr?.close();
    await epr?.close();
    await tekton?.close();
    await issuer?.close();
  });

  /** `KaaClient.request_response` + `_decode_response`. */
  async function send(request: ClientRequest): Promise<ClientResponse> {
    const prefix = [T, E].find((p) => request.path.startsWith(p))!;
    const params = request.params && Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, fill(v)]));
    const query = params ? `?${new URLSearchParams(params)}` : '';
    const body = request.json === undefined ? undefined : fill(JSON.stringify(request.json));
    const response = await fetch(`${bases[prefix]}${fill(request.path.slice(prefix.length))}${query}`, {
      method: request.http,
      headers: {
        authorization: `Bearer ${token}`,
        accept: '*/*',
        'user-agent': 'python-httpx/0.28.1',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
    });
    const text = await response.text();
    if (response.status >= 400) {
      const kind = response.status === 401 || response.status === 403 ? 'KaaAuthError' : response.status === 404 ? 'KaaNotFoundError' : 'KaaApiError';
      throw new Error(`${kind}(${response.status}, ${text})`);
    }
    const data = response.status === 204 || text === '' ? null : (response.headers.get('content-type') ?? '').startsWith('application/json') ? (JSON.parse(text) as Json) : text;
    return { status: response.status, headers: response.headers, data };
  }

  it('lists all 58 Tekton and ECR methods of the client, once each', () => {
    expect(CLIENT_METHODS.filter((r) => r.client === 'TektonClient')).toHaveLength(21);
    expect(CLIENT_METHODS.filter((r) => r.client === 'EcrClient')).toHaveLength(37);
    expect(new Set(CLIENT_METHODS.map((r) => `${r.client}.${r.method}`)).size).toBe(58);
  });

  for (const row of CLIENT_METHODS) {
    const title = `${row.client}.${row.method}: ${row.http} ${row.path}${row.params ? `?${Object.keys(row.params).join('&')}` : ''}`;
    if (row.pending) {
      it.todo(`${title} (pending: ${row.pending})`);
      continue;
    }
    it(title, async () => {
      if (row.client === 'EcrClient' && !ecrCaughtUp) {
        // ECR learns the version, its owner and its schema from tekton's 17/SCMP notices.
        await eventually(async () => {
          const schema = await send({ http: 'GET', path: `${E}/app-versions/{version}/schemas` });
          expect(schema.data).toEqual(SCHEMA);
          return true;
        }, 10_000).finally(() => (ecrCaughtUp = true));
      }
      await row.before?.();
      row.check(await send(row));
    });
  }
});
