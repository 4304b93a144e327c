// ECR fixtures: one ECR process shared by steps 1, 3 and 5, its endpoint configs, and 6/CDTP requests.
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { log } from './proc.mjs';

export const APP = 'benchapp';
export const APP_VERSION = 'benchapp-v1';
export const TENANT = 'bench';

/** A realistic device configuration of about 1 KiB (JSON), with the endpoint id in it. */
export function realisticConfig(endpointId = '__EP__') {
  const config = {
    endpoint: endpointId,
    telemetry: { enabled: true, intervalSeconds: 30, batchSize: 50, compression: 'gzip', channels: ['temperature', 'humidity', 'pressure', 'battery', 'rssi'] },
    thresholds: {
      temperature: { min: -20.5, max: 65.0, hysteresis: 0.5 },
      humidity: { min: 5, max: 95, hysteresis: 2 },
      battery: { warnPercent: 20, criticalPercent: 5 },
    },
    network: { apn: 'iot.example.net', keepAliveSeconds: 120, retry: { initialMs: 500, maxMs: 60000, factor: 2 }, preferred: ['lte-m', 'nb-iot', '2g'] },
    firmware: { channel: 'stable', autoUpdate: true, window: { start: '02:00', end: '04:00', timezone: 'Europe/Berlin' } },
    location: { reportIntervalSeconds: 900, gnss: true, accuracyMeters: 25 },
    labels: { site: 'plant-07', line: 'b', owner: 'ops-team', criticality: 'medium' },
    features: { remoteShell: false, debugLogs: false, otaDelta: true, edgeRules: true },
  };
  let text = JSON.stringify(config);
  // Pad to 1,024 bytes with a comment-like field, so every config is the same size.
  const base = JSON.stringify({ ...config, notes: '' }).length;
  if (base < 1024) text = JSON.stringify({ ...config, notes: 'n'.repeat(1024 - base) });
  return text;
}

/** The `kaa.applications` tree ECR reads instead of Tekton (APP_CONFIG_FILE). */
export function writeEcrTree(dir) {
  const file = join(dir, 'ecr-app-config.json');
  const tree = { kaa: { applications: { [APP]: { tenantId: TENANT, 'endpoint-configuration': { 'schema-required': false }, versions: { [APP_VERSION]: {} } } } } };
  writeFileSync(file, JSON.stringify(tree));
  return file;
}

/** Starts ECR once per run (steps 1, 3, 5 share it); records its idle RSS. */
export async function sharedEcr(ctx) {
  if (ctx.ecr) return ctx.ecr;
  const appConfigFile = writeEcrTree(ctx.tmp);
  const ecr = await ctx.startApp('ecr', { APP_CONFIG_FILE: appConfigFile, TENANTS_ALLOWED: '' });
  await ctx.recordIdleRss(ecr, 'ecr');
  ctx.ecr = ecr;
  ecr.endpointCount = 0;
  return ecr;
}

/**
 * Replaces the shared ECR by a fresh replica of the same instance (same schema and queue group,
 * so the data stays) started with `env` on top of the usual settings.
 */
export async function restartEcr(ctx, env) {
  const old = await sharedEcr(ctx);
  await old.stop();
  const ecr = await ctx.startApp('ecr', { APP_CONFIG_FILE: writeEcrTree(ctx.tmp), TENANTS_ALLOWED: '', SERVICE_INSTANCE_NAME: old.instance, ...env });
  ecr.endpointCount = old.endpointCount;
  ctx.ecr = ecr;
  return ecr;
}

const table = (schema) => `${pg.escapeIdentifier(schema)}.endpoint_config`;

export const endpointId = (n) => `bench-ep-${n}`;

/** A value for COPY's text format: backslash, tab and line breaks escaped. */
const copyText = (value) => value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]);

/**
 * Loads endpoint configs `from..to` (inclusive) with COPY FROM STDIN, one COPY per chunk, each
 * row with a realistic 1 KiB config. Returns seconds taken.
 */
export async function sqlLoadEndpoints(ctx, schema, from, to, { chunk = 100000, deadline = Infinity } = {}) {
  const started = process.hrtime.bigint();
  const template = copyText(realisticConfig('__EP__'));
  const client = await ctx.pg.connect();
  try {
    for (let lo = from; lo <= to; lo += chunk) {
      if (Date.now() > deadline) throw new Error(`loading stopped at ${lo - from} of ${to - from + 1} rows: over the time bound`);
      const hi = Math.min(to, lo + chunk - 1);
      const now = new Date().toISOString();
      function* rows() {
        // Lines are grouped into ~1 MB writes: one stream chunk per row would cost more than the row.
        let buffer = '';
        for (let n = lo; n <= hi; n++) {
          const id = endpointId(n);
          buffer += `${createHash('md5').update(`bench-${n}`).digest('hex')}\t${TENANT}\t${id}\t${APP_VERSION}\tdefault\t${template.replace('__EP__', id)}\t${now}\t${now}\n`;
          if (buffer.length > 1_000_000) {
            yield buffer;
            buffer = '';
          }
        }
        if (buffer) yield buffer;
      }
      await pipeline(
        Readable.from(rows()),
        client.query(
          copyFrom(`COPY ${table(schema)} (config_id, tenant_id, endpoint_id, app_version_name, name, config, created_date, updated_date) FROM STDIN`),
        ),
      );
      if (to - from > chunk) log(`  loaded ${hi - from + 1} of ${to - from + 1} rows`);
    }
    // VACUUM too: a table in service has been vacuumed (hint bits, visibility map); one just filled by COPY has not.
    await client.query(`VACUUM (ANALYZE) ${table(schema)}`);
  } finally {
    client.release();
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** op(i) for the load drivers: a 6/CDTP request/reply with pre-encoded request i mod n. */
export function requester(ctx, subject, requests) {
  return async (i) => {
    const msg = await ctx.nc.request(subject, requests[i % requests.length], { timeout: 5000 });
    if (msg.data.length === 0) throw new Error('empty reply');
  };
}

/** endpointId → its current config id, for the bench app version. */
export async function currentConfigIds(ctx, schema) {
  const { rows } = await ctx.pg.query(`SELECT endpoint_id, config_id FROM ${table(schema)} WHERE app_version_name = $1`, [APP_VERSION]);
  return new Map(rows.map((r) => [r.endpoint_id, r.config_id]));
}

export async function countEndpoints(ctx, schema) {
  const { rows } = await ctx.pg.query(`SELECT count(*)::int AS n FROM ${table(schema)}`);
  return rows[0].n;
}

/** Puts one endpoint's config through ECR's REST API (checks the API works end to end). */
export async function putConfigViaApi(ctx, ecr, id) {
  const token = await ctx.token(['endpoint:update', 'endpoint:read']);
  const res = await fetch(`${ecr.baseUrl}/api/v1/endpoints/${encodeURIComponent(id)}/app-versions/${APP_VERSION}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: realisticConfig(id),
  });
  const body = await res.text();
  if (res.status >= 300) throw new Error(`PUT endpoint config via ECR REST: ${res.status} ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

/** Pre-encoded 6/CDTP ConfigRequests for endpoints 1..count (cycled by the load driver). */
export function encodeRequests(ctx, count, { startAt = 1, configIds } = {}) {
  const { configRequestCodec } = ctx.protocols;
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(
      configRequestCodec.encode({
        correlationId: randomUUID(),
        timestamp: Date.now(),
        timeout: 0,
        appVersionName: APP_VERSION,
        endpointId: endpointId(startAt + i),
        // With the endpoint's current config id: a pull of a device that has it ("Not changed").
        configId: configIds?.get(endpointId(startAt + i)) ?? null,
        configName: null,
      }),
    );
  }
  return out;
}
