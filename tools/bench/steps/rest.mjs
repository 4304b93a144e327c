// Step 3: REST read through ECR (auth on) vs a bare Fastify route doing the same indexed read.
import { join } from 'node:path';
import autocannon from 'autocannon';
import { addThroughputRows, fmtNum } from '../lib/stats.mjs';
import { benchDir } from '../lib/context.mjs';
import { rssMiB, onCleanup, startChild, stopChild, withTimeout } from '../lib/proc.mjs';
import { APP_VERSION, countEndpoints, endpointId, putConfigViaApi, sharedEcr, sqlLoadEndpoints } from '../lib/ecr.mjs';

export const id = '3';
export const title = 'REST read';
const CONNECTIONS = 32;
const ENDPOINTS = 1000;

function cannon({ url, seconds, headers }) {
  let n = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: `/api/v1/endpoints/${endpointId((n++ % ENDPOINTS) + 1)}/app-versions/${APP_VERSION}` }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function measure(url, seconds, headers) {
  await cannon({ url, seconds: 1, headers }); // warm-up
  const r = await cannon({ url, seconds, headers });
  return { rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

export async function run(ctx) {
  if (!ctx.appBuilt('ecr')) {
    ctx.skip(id, 'ecr not available (apps/ecr/dist/main.js missing)');
    return;
  }
  const ecr = await sharedEcr(ctx);
  if ((await countEndpoints(ctx, ecr.instance)) < ENDPOINTS) {
    await putConfigViaApi(ctx, ecr, endpointId(1)).catch(() => undefined);
    await sqlLoadEndpoints(ctx, ecr.instance, 2, ENDPOINTS);
  }
  const token = await ctx.token(['endpoint:read']);
  // Check the route answers 200 with the config before measuring.
  const probe = await fetch(`${ecr.baseUrl}/api/v1/endpoints/${endpointId(2)}/app-versions/${APP_VERSION}`, { headers: { authorization: `Bearer ${token}` } });
  if (probe.status !== 200) throw new Error(`ECR GET endpoint config: ${probe.status} ${(await probe.text()).slice(0, 300)}`);
  const ours = await measure(ecr.baseUrl, ctx.seconds, { authorization: `Bearer ${token}` });
  ctx.recordRss('ecr', 'loaded (REST read)', rssMiB(ecr.child.pid));

  const server = startChild('rest-baseline', process.execPath, [join(benchDir, 'baselines', 'rest-server.mjs')], {
    env: { ...process.env, DATABASE_URL: ctx.databaseUrl, SCHEMA: ecr.instance, PORT: '0' },
    ready: /^listening (\d+)/,
  });
  onCleanup(() => stopChild(server));
  const [, port] = await withTimeout(server.ready, 15000, 'REST baseline');
  const baseUrl = `http://127.0.0.1:${port}`;
  const baseline = await measure(baseUrl, ctx.seconds, {});
  await stopChild(server);

  addThroughputRows(ctx, {
    step: id,
    figure: `REST GET endpoint config, ${CONNECTIONS} connections: requests/s`,
    latencyFigure: 'REST GET endpoint config: p50 / p99',
    ours,
    baseline,
    minRatio: 0.6,
  });
  if (ours.non2xx || ours.errors) ctx.note(id, `ECR: ${ours.non2xx} non-2xx answers, ${ours.errors} errors/timeouts (counted in requests/s by autocannon).`);
  if (baseline.non2xx || baseline.errors) ctx.note(id, `Baseline: ${baseline.non2xx} non-2xx answers, ${baseline.errors} errors/timeouts.`);
  ctx.note(
    id,
    `autocannon ${CONNECTIONS} connections (keep-alive, no pipelining), ${ctx.seconds} s after 1 s of warm-up, in the harness process, ` +
      `cycling \`GET /api/v1/endpoints/{id}/app-versions/${APP_VERSION}\` over ${ENDPOINTS} endpoints with 1 KiB configs. ` +
      `ECR verifies an RS256 bearer token (scope endpoint:read) on every request; the baseline (tools/bench/baselines/rest-server.mjs) has no auth, ` +
      `a pg.Pool of 10 and a prepared SELECT on the same table and unique index (${fmtNum(ours.total)} / ${fmtNum(baseline.total)} requests).`,
  );
}

/** What bounds the figure. */
export const bounds =
  "ECR answers from its per-replica config cache (after the first read of each endpoint, the request does no database work) and verifies the RS256 bearer token once, then serves it from a bounded cache (at most 60 s, never past exp); the baseline has no auth and runs its indexed SELECT on every request. What remains per request on ECR's side is the NestJS pipeline (guards, validation pipe, error filter, metrics and correlation hooks). On two cores shared with Postgres and the load generator, the baseline itself varies between about 5k and 13k requests/s from run to run.";
