// Step 5: scale. ECR with 10k and then N (default 1,000,000) endpoint configs loaded with COPY (not
// the API); 6/CDTP pull p99 at both sizes at the same offered rate. RSS rows are added by run.mjs.
import { randomUUID } from 'node:crypto';
import { closedLoop, openLoop } from '../lib/load.mjs';
import { fmtMs, fmtNum, fmtRatio } from '../lib/stats.mjs';
import { log, rssMiB } from '../lib/proc.mjs';
import { APP_VERSION, countEndpoints, endpointId, requester, restartEcr, sqlLoadEndpoints } from '../lib/ecr.mjs';

export const id = '5';
export const title = 'Scale';
const SMALL = 10000;
const SAMPLE = 20000;

function randomRequests(ctx, rows) {
  const { configRequestCodec } = ctx.protocols;
  return Array.from({ length: SAMPLE }, () =>
    configRequestCodec.encode({
      correlationId: randomUUID(),
      timestamp: Date.now(),
      timeout: 0,
      appVersionName: APP_VERSION,
      endpointId: endpointId(1 + Math.floor(Math.random() * rows)),
      configId: null,
      configName: null,
    }),
  );
}

async function pullP99(ctx, subject, rows, rate) {
  const requests = randomRequests(ctx, rows);
  // Same starting point for both sizes: no dirty buffers left over from loading.
  await ctx.pg.query('CHECKPOINT').catch(() => undefined);
  return openLoop({ rate, durationMs: ctx.seconds * 1000, op: requester(ctx, subject, requests) });
}

export async function run(ctx, { deadline }) {
  if (!ctx.appBuilt('ecr')) {
    ctx.skip(id, 'ecr not available (apps/ecr/dist/main.js missing)');
    return;
  }
  // The config cache off: a fleet that fits in the cache skips the read altogether, so with it on
  // the 10k run would measure the cache and the 1M run the database. This step is about the
  // database path, the same at both sizes.
  const ecr = await restartEcr(ctx, { CONFIG_CACHE_ENTRIES: '0' });
  const subject = ctx.protocols.cdtp.request(ecr.instance);
  const big = ctx.options.scaleRows;

  let have = await countEndpoints(ctx, ecr.instance);
  if (have < SMALL) await sqlLoadEndpoints(ctx, ecr.instance, have + 1, SMALL);
  have = Math.max(have, SMALL);
  // Offered rate: half of what this ECR sustains at 10k rows with 64 pulls in flight.
  const max = await closedLoop({ inFlight: 64, durationMs: Math.min(ctx.seconds, 5) * 1000, op: requester(ctx, subject, randomRequests(ctx, SMALL)) });
  const rate = Math.max(1, Math.round(max.rps / 2));
  const small = await pullP99(ctx, subject, SMALL, rate);
  log(`CDTP p99 at ${fmtNum(SMALL)} rows: ${fmtMs(small.latency.p99)}`);

  log(`loading ${fmtNum(big - have)} endpoint configs (COPY, 1 KiB each) ...`);
  const loadSeconds = await sqlLoadEndpoints(ctx, ecr.instance, have + 1, big, { deadline: deadline - 60000 });
  const rows = await countEndpoints(ctx, ecr.instance);
  const large = await pullP99(ctx, subject, rows, rate);
  ctx.recordRss('ecr', `loaded (CDTP at ${fmtNum(rows)} rows)`, rssMiB(ecr.child.pid));

  const ratio = large.latency.p99 / small.latency.p99;
  ctx.add({
    step: id,
    figure: `CDTP pull p99 at ${fmtNum(rows)} vs ${fmtNum(SMALL)} endpoint configs (${fmtNum(rate)}/s open loop)`,
    ours: `${fmtMs(large.latency.p99)} (p50 ${fmtMs(large.latency.p50)})`,
    baseline: `${fmtMs(small.latency.p99)} (p50 ${fmtMs(small.latency.p50)}) at ${fmtNum(SMALL)}`,
    ratio: fmtRatio(ratio),
    target: '≤ 1.20×',
    result: ratio <= 1.2 ? 'PASS' : 'MISS',
  });
  for (const [label, r] of [['10k', small], ['large', large]]) {
    if (r.errors || r.dropped) ctx.note(id, `${label}: ${r.errors} errors, ${r.dropped} arrivals dropped (first error: ${r.firstError?.message ?? '—'})`);
  }
  ctx.note(
    id,
    `Rows loaded straight into ECR's \`endpoint_config\` table (schema = the ECR instance) with \`COPY ... FROM STDIN\` (pg-copy-streams) ` +
      `in chunks of 100,000 (not the API), each row a ~1 KiB JSON config, then VACUUM (ANALYZE), as autovacuum would have left a table in service: ` +
      `${fmtNum(rows - have)} rows in ${loadSeconds.toFixed(1)} s. Both measurements pull random endpoints out of all loaded rows ` +
      `(${fmtNum(SAMPLE)} pre-encoded requests) at the same offered rate, ${ctx.seconds} s each after a CHECKPOINT and 1 s of warm-up; ` +
      `every pull also writes a DISPATCHED history row, so config_status grows during the runs. ` +
      `ECR runs with its config cache off here (CONFIG_CACHE_ENTRIES=0, a replica started for this step), so that both sizes measure the database path; ` +
      `the offered rate is half of what it sustained with 64 pulls in flight at 10k rows (${fmtNum(Math.round(max.rps))}/s). ` +
      `--scale-rows=N changes the large size.`,
  );
}

/** What bounds the figure. */
export const bounds =
  'With the config cache off, each pull reads its config through the unique (endpoint_id, app_version_name, name) index, so the read cost grows only with index depth; at 1M rows the table (~1.2 GB) no longer ' +
  'fits shared_buffers (128 MB here) and random pulls read from the OS page cache. The history upsert per pull is the same at both sizes. (With the cache on, as in steps 1 and 3, a pull of a cached endpoint skips the read.) ' +
  'RSS: all three apps sit at about the same idle RSS, the shared NestJS/Fastify/TypeORM/NATS/Avro process floor on Node 20, with the young generation capped at 4 MB per semi-space (tools/dev/app-node-flags.json).';
