// Step 7: soak (issue 13). tekton, ecr and watcher run side by side for --soak-minutes (default 10)
// under a moderate mixed load at fixed rates; each app's RSS and V8 heap are sampled from its
// /metrics, so a slow leak shows as a slope. Opt-in: runs only with --only=7 or --soak.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRates } from '../lib/load.mjs';
import { metricSumBy, metricValue, scrape } from '../lib/metrics.mjs';
import { fmtMs, fmtNum, percentile } from '../lib/stats.mjs';
import { rand, tempDir } from '../lib/context.mjs';
import { cpuSeconds, log, rssMiB, warn } from '../lib/proc.mjs';
import { APP_VERSION, endpointId, realisticConfig, sqlLoadEndpoints, writeEcrTree } from '../lib/ecr.mjs';
import { startWatcherWithRuntime, watchSender } from '../lib/watch.mjs';

export const id = '7';
export const title = 'Soak';
/** Not part of a plain `npm run bench`: it takes --soak-minutes on top of the other steps. */
export const optIn = true;

const APPS = ['tekton', 'ecr', 'watcher'];
const WARMUP_MS = 30000;
const SAMPLE_MS = 5000;
const ENDPOINTS = 1000;
/** Endpoints 1..OWN_CONFIGS have their own config; the others get the app version's default. */
const OWN_CONFIGS = 800;
const TEKTON_APPS = 10;
const CONSUMER = 'bench-soak-cmx';
/** Heap-floor slope above which a run of at least MIN_JUDGED_MINUTES counts as a MISS. */
const MAX_SLOPE_MB_PER_MIN = 0.5;
const MIN_JUDGED_MINUTES = 5;
const MB = 1e6;

/** The mix, as shares of --soak-rate (default 100 requests/s in all). */
const MIX = [
  { name: 'tekton PUT config', share: 0.05 },
  { name: 'tekton GET config', share: 0.1 },
  { name: 'tekton GET history', share: 0.03 },
  { name: 'ecr PUT endpoint config', share: 0.08 },
  { name: 'ecr PUT default config', share: 0.002 },
  { name: 'ecr 6/CDTP pull', share: 0.4 },
  { name: 'ecr ConfigApplied', share: 0.1 },
  { name: 'watcher watch event', share: 0.2 },
];
const FIRE_AND_FORGET = 'ecr ConfigApplied';

/** fetch that throws on a non-2xx answer (the soak counts those as errors). */
async function call(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${new URL(url).pathname}: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

async function startTekton(ctx, token) {
  const target = `bench-soak-${rand()}`;
  const instancesFile = join(tempDir('soak-tekton'), 'service-instances.json');
  writeFileSync(
    instancesFile,
    JSON.stringify({
      kaa: {
        'service-instances': {
          [target]: {
            serviceName: 'bench-soak',
            serviceGroup: 'bench',
            appConfigurationSchema: { type: 'object', properties: { counter: { type: 'integer' }, tuning: { type: 'object' } } },
            appVersionConfigurationSchema: { type: 'object' },
          },
        },
      },
    }),
  );
  const app = await ctx.startApp('tekton', { SERVICE_INSTANCES_FILE: instancesFile, PLATFORM_TENANT: 'bench-platform', SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
  const api = `${app.baseUrl}/api/v1`;
  const names = [];
  for (let k = 0; k < TEKTON_APPS; k++) {
    const name = `soak${rand()}${k}`;
    await call('POST', `${api}/applications`, token, { name });
    names.push(name);
  }
  return { app, api, target, names };
}

async function startEcr(ctx, token) {
  const app = await ctx.startApp('ecr', { APP_CONFIG_FILE: writeEcrTree(tempDir('soak-ecr')), TENANTS_ALLOWED: '' });
  await sqlLoadEndpoints(ctx, app.instance, 1, OWN_CONFIGS);
  await call('PUT', `${app.baseUrl}/api/v1/app-versions/${APP_VERSION}`, token, realisticConfig('default'));
  return { app, api: `${app.baseUrl}/api/v1` };
}

/** A config that differs per write (a revision field), about 1 KiB like the other steps'. */
const revised = (endpoint, i) => JSON.stringify({ ...JSON.parse(realisticConfig(endpoint)), revision: i });

/** Least-squares slope of ys over xs. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

const mb = (v, digits = 1) => fmtNum(v, digits);

export async function run(ctx, { deadline } = {}) {
  const missing = APPS.filter((a) => !ctx.appBuilt(a));
  if (missing.length) {
    ctx.skip(id, `${missing.join(', ')} not available (apps/<app>/dist/main.js missing)`);
    return;
  }
  const minutes = ctx.options.soakMinutes;
  const totalRate = ctx.options.soakRate;
  const loadMs = WARMUP_MS + minutes * 60000;
  if (deadline && Date.now() + loadMs + 90000 > deadline) throw new Error(`${minutes} soak minutes do not fit the step's time bound`);
  const tokenSeconds = Math.max(3600, Math.ceil(loadMs / 1000) + 900);
  const { cdtp, scmp, configRequestCodec, configResponseCodec, configAppliedCodec } = ctx.protocols;

  // ---- the three apps, side by side
  const tektonToken = await ctx.token(['tenant:application:create', 'application:read', 'application:update'], tokenSeconds);
  const ecrToken = await ctx.token(['endpoint:update', 'endpoint:read', 'application:endpoint-config:update', 'application:endpoint-config:read'], tokenSeconds);
  const tekton = await startTekton(ctx, tektonToken);
  const ecr = await startEcr(ctx, ecrToken);
  const watch = await startWatcherWithRuntime(ctx);
  const apps = { tekton: tekton.app, ecr: ecr.app, watcher: watch.watcher };
  const sendWatch = watchSender(watch);
  await sendWatch(`soak-probe-${rand()}`); // the mTLS path works before the clock starts

  // Targeted 17/SCMP notices of tekton's PUTs, counted per minute (the change path end to end).
  let notices = [];
  const noticeSub = ctx.nc.subscribe(scmp.patterns.targeted(tekton.target), { callback: (err) => !err && notices.push(Date.now()) });

  // ---- the operations
  const cdtpSubject = cdtp.request(ecr.app.instance);
  const lastConfigId = new Map(); // endpoint → config id of its last pull with content
  const dispatched = []; // {endpoint, configId} awaiting a ConfigApplied
  const prefix = rand();
  const cfgPath = (name) => `${tekton.api}/app-configs/applications/${name}`;
  const opFns = {
    'tekton PUT config': (i) => {
      const name = tekton.names[i % TEKTON_APPS];
      return call('PUT', cfgPath(name), tektonToken, { [tekton.target]: { kaa: { applications: { [name]: { counter: i, tuning: { level: i % 7 } } } } } });
    },
    'tekton GET config': (i) => call('GET', `${cfgPath(tekton.names[i % TEKTON_APPS])}?serviceInstanceName=${tekton.target}`, tektonToken),
    'tekton GET history': (i) => call('GET', `${cfgPath(tekton.names[i % TEKTON_APPS])}/history?serviceInstanceName=${tekton.target}&size=20`, tektonToken),
    'ecr PUT endpoint config': (i) => {
      const ep = endpointId((i % OWN_CONFIGS) + 1);
      return call('PUT', `${ecr.api}/endpoints/${ep}/app-versions/${APP_VERSION}`, ecrToken, revised(ep, i));
    },
    'ecr PUT default config': (i) => call('PUT', `${ecr.api}/app-versions/${APP_VERSION}`, ecrToken, revised('default', i)),
    'ecr 6/CDTP pull': async (i) => {
      const ep = endpointId(((i * 7) % ENDPOINTS) + 1);
      // Every other pull names the config the device has: "Not changed" unless it was replaced since.
      const request = configRequestCodec.encode({
        correlationId: randomUUID(),
        timestamp: Date.now(),
        timeout: 0,
        appVersionName: APP_VERSION,
        endpointId: ep,
        configId: i % 2 ? (lastConfigId.get(ep) ?? null) : null,
        configName: null,
      });
      const reply = configResponseCodec.decode((await ctx.nc.request(cdtpSubject, request, { timeout: 5000 })).data);
      if (reply.statusCode !== 200) throw new Error(`6/CDTP pull of ${ep}: ${reply.statusCode} ${reply.reasonPhrase ?? ''}`);
      if (reply.configId && reply.content) {
        lastConfigId.set(ep, reply.configId);
        dispatched.push({ endpoint: ep, configId: reply.configId });
        if (dispatched.length > 1000) dispatched.shift();
      }
    },
    'ecr ConfigApplied': async () => {
      const d = dispatched.shift();
      if (!d) throw new Error('no pulled config to confirm yet');
      ctx.nc.publish(
        cdtp.configApplied(CONSUMER),
        configAppliedCodec.encode({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName: APP_VERSION, endpointId: d.endpoint, configId: d.configId, statusCode: 200, reasonPhrase: 'OK' }),
      );
    },
    'watcher watch event': (i) => sendWatch(`soak-${prefix}-${i}`),
  };
  const ops = MIX.map((m) => ({ name: m.name, rate: m.share * totalRate, op: opFns[m.name] }));
  const offered = ops.reduce((a, o) => a + o.rate, 0);

  // ---- per-minute records: minute 0 = warm-up (not reported), 1..minutes measured
  const loadStart = Date.now();
  const measureStart = loadStart + WARMUP_MS;
  const minuteOf = (t) => (t < measureStart ? 0 : Math.min(minutes, Math.floor((t - measureStart) / 60000) + 1));
  const stats = Object.fromEntries(MIX.map((m) => [m.name, Array.from({ length: minutes + 1 }, () => ({ ok: 0, errors: 0, lat: [], firstError: undefined, kinds: {} }))]));
  const onResult = (name, sentAt, latencyMs, error) => {
    const cell = stats[name][minuteOf(sentAt)];
    if (error) {
      cell.errors++;
      const message = String(error.message ?? error).split('\n')[0];
      cell.firstError ??= message.slice(0, 200);
      const kind = /: (\d{3}) /.exec(message)?.[1] ?? message.split(':')[0].slice(0, 40);
      cell.kinds[kind] = (cell.kinds[kind] ?? 0) + 1;
    } else {
      cell.ok++;
      cell.lat.push(latencyMs);
    }
  };

  // ---- memory samples every 5 s; marks at the start of the measured window and each minute after
  const samples = Object.fromEntries(APPS.map((a) => [a, []]));
  const scrapeErrors = Object.fromEntries(APPS.map((a) => [a, 0]));
  let lastEcrMetrics = '';
  // What the apps depend on, probed from the harness beside them: when these stall too, a slow
  // minute is the machine's (or Postgres's, or NATS's), not an app's.
  const infra = Array.from({ length: minutes + 1 }, () => ({ pg: 0, nats: 0, loop: 0, pgErrors: 0 }));
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const probe = async () => {
    const cell = infra[minuteOf(Date.now())];
    const t = process.hrtime.bigint();
    try {
      await ctx.pg.query('SELECT 1');
      cell.pg = Math.max(cell.pg, Number(process.hrtime.bigint() - t) / 1e6);
    } catch {
      cell.pgErrors++;
    }
    cell.nats = Math.max(cell.nats, await ctx.nc.rtt().catch(() => Infinity));
    cell.loop = Math.max(cell.loop, loopDelay.max / 1e6);
    loopDelay.reset();
  };
  const sampleAll = () =>
    Promise.all([
      probe(),
      ...APPS.map(async (a) => {
        const t = Date.now();
        try {
          const text = await scrape(apps[a].baseUrl);
          if (a === 'ecr') lastEcrMetrics = text;
          const rss = metricValue(text, 'process_resident_memory_bytes');
          samples[a].push({ t, heap: metricValue(text, 'nodejs_heap_size_used_bytes') / MB, rss: Number.isFinite(rss) ? rss / MB : (rssMiB(apps[a].child.pid) * 2 ** 20) / MB });
        } catch (error) {
          scrapeErrors[a]++;
          if (scrapeErrors[a] === 1) warn(`soak: /metrics of ${a}: ${error.message}`);
        }
      }),
    ]);
  await sampleAll();
  const sampler = setInterval(() => void sampleAll(), SAMPLE_MS);

  log(`soak: ${minutes} min after ${WARMUP_MS / 1000} s warm-up, ${fmtNum(offered, 1)} requests/s offered: ${ops.map((o) => `${o.name} ${fmtNum(o.rate, 1)}/s`).join(', ')}`);
  const load = fixedRates({ ops, onResult });
  const marks = []; // per minute m: { m, apps: {app: {rss, heap, heapFloor}}, applied: {outcome: n} }
  try {
    for (let m = 0; m <= minutes; m++) {
      const at = measureStart + m * 60000;
      await sleep(Math.max(0, at - Date.now()));
      await sampleAll();
      const from = m === 0 ? loadStart : measureStart + (m - 1) * 60000;
      const mark = { m, at: Date.now(), load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0], apps: {}, applied: metricSumBy(lastEcrMetrics, 'nats_messages_total', { subject: 'cdtp.configApplied', direction: 'in' }, 'outcome') };
      for (const a of APPS) {
        const window = samples[a].filter((s) => s.t > from);
        const last = samples[a].at(-1);
        mark.apps[a] = { rss: last?.rss ?? NaN, heap: last?.heap ?? NaN, heapFloor: window.length ? Math.min(...window.map((s) => s.heap)) : NaN, cpu: cpuSeconds(apps[a].child.pid) };
        if (apps[a].child.exited) throw new Error(`${a} exited during the soak (${apps[a].child.exitCode}):\n${apps[a].child.lines.slice(-10).join('\n')}`);
      }
      marks.push(mark);
      if (m > 0) {
        const errs = MIX.reduce((n, o) => n + stats[o.name][m].errors, 0);
        log(`soak minute ${m}/${minutes}: ${APPS.map((a) => `${a} RSS ${mb(mark.apps[a].rss)} MB heap ${mb(mark.apps[a].heapFloor)} MB`).join('; ')}; errors ${errs}`);
      }
    }
  } finally {
    clearInterval(sampler);
    loopDelay.disable();
    await load.stop();
    noticeSub.unsubscribe();
  }
  const noticesByMinute = Array.from({ length: minutes + 1 }, (_, m) => notices.filter((t) => minuteOf(t) === m).length);
  notices = [];

  report(ctx, { minutes, marks, stats, offered, ops, noticesByMinute, scrapeErrors, infra });
}

function report(ctx, { minutes, marks, stats, offered, ops, noticesByMinute, scrapeErrors, infra }) {
  // ---- memory: minute × app
  const memLines = [
    `| min | ${APPS.map((a) => `${a} RSS MB | ${a} heap MB | ${a} CPU %`).join(' | ')} | load avg |`,
    `|---|${APPS.map(() => '---|---|---').join('|')}|---|`,
    ...marks.map((mk, i) => {
      // CPU % of one core over the minute before the mark (minute 0: not measured).
      const cpu = (a) => (i === 0 ? '—' : fmtNum((100 * (mk.apps[a].cpu - marks[i - 1].apps[a].cpu)) / ((mk.at - marks[i - 1].at) / 1000)));
      return `| ${mk.m} | ${APPS.map((a) => `${mb(mk.apps[a].rss)} | ${mb(mk.apps[a].heapFloor)} | ${cpu(a)}`).join(' | ')} | ${mk.load} |`;
    }),
  ];
  ctx.table(id, 'Memory per minute (RSS at the minute mark; heap = lowest V8 heap used of the 5-s samples in the minute before it, about the live set after collections; CPU % of one core in that minute; the 1-minute load average of the machine)', memLines);

  // ---- operations: p99 and errors per minute
  const opLines = [
    `| min | ${MIX.map((o) => o.name).join(' | ')} | tekton notices | harness: SELECT 1 / NATS rtt / event-loop delay, max |`,
    `|---|${MIX.map(() => '---').join('|')}|---|---|`,
  ];
  for (let m = 1; m <= minutes; m++) {
    const cells = MIX.map((o) => {
      const c = stats[o.name][m];
      if (o.name === FIRE_AND_FORGET) {
        const recorded = (marks[m].applied.ok ?? 0) - (marks[m - 1].applied.ok ?? 0);
        return `${fmtNum(c.ok)} sent, ${fmtNum(recorded)} recorded · ${c.errors} err`;
      }
      return `${fmtMs(percentile(Float64Array.from(c.lat).sort(), 99))} · ${c.errors} err`;
    });
    const h = infra[m];
    opLines.push(`| ${m} | ${cells.join(' | ')} | ${fmtNum(noticesByMinute[m])} | ${fmtMs(h.pg)}${h.pgErrors ? ` (${h.pgErrors} failed)` : ''} / ${fmtMs(h.nats)} / ${fmtMs(h.loop)} |`);
  }
  ctx.table(id, 'Operations per minute (p99 latency · errors = non-2xx answers, failed pulls, time-outs, arrivals dropped while 200 were open)', opLines);
  for (const line of ['memory:', ...memLines, 'operations:', ...opLines]) log(line);

  // ---- verdict per app
  const judged = minutes >= MIN_JUDGED_MINUTES;
  for (const a of APPS) {
    const floors = marks.map((mk) => mk.apps[a].heapFloor);
    const rss = marks.map((mk) => mk.apps[a].rss);
    // The slope skips minute 0 when there are enough points: the first minute fills caches and JIT code.
    const from = marks.length >= 3 ? 1 : 0;
    const s = slope(marks.slice(from).map((mk) => mk.m), floors.slice(from));
    const grew = floors.at(-1) - floors[0];
    const verdict = `heap ${grew < 0 ? 'shrank' : 'grew'} ${mb(Math.abs(grew))} MB over ${minutes} min; slope ${fmtNum(s, 2)} MB/min; RSS ${mb(rss[0])} → ${mb(rss.at(-1))} MB`;
    log(`soak verdict ${a}: ${verdict}`);
    ctx.add({
      step: id,
      figure: `Soak ${minutes} min, ${a}: heap used (floor) start → end, slope; RSS`,
      ours: `${mb(floors[0])} → ${mb(floors.at(-1))} MB, ${verdict}`,
      baseline: '—',
      ratio: '—',
      target: `slope ≤ ${MAX_SLOPE_MB_PER_MIN} MB/min over ≥ ${MIN_JUDGED_MINUTES} min`,
      result: !Number.isFinite(s) ? 'ERROR' : judged ? (s <= MAX_SLOPE_MB_PER_MIN ? 'PASS' : 'MISS') : 'info',
    });
    if (scrapeErrors[a]) ctx.note(id, `${a}: ${scrapeErrors[a]} /metrics scrapes failed.`);
  }

  // ---- per operation over the whole window
  for (const o of MIX) {
    const cells = stats[o.name].slice(1);
    const ok = cells.reduce((n, c) => n + c.ok, 0);
    const errors = cells.reduce((n, c) => n + c.errors, 0);
    const all = Float64Array.from(cells.flatMap((c) => c.lat)).sort();
    const worst = Math.max(...cells.map((c) => percentile(Float64Array.from(c.lat).sort(), 99)).filter(Number.isFinite));
    const rate = ops.find((x) => x.name === o.name).rate;
    ctx.add({
      step: id,
      figure: `Soak: ${o.name} at ${fmtNum(rate, rate < 1 ? 1 : 0)}/s`,
      ours:
        o.name === FIRE_AND_FORGET
          ? `${fmtNum(ok)} published, ${fmtNum((marks.at(-1).applied.ok ?? 0) - (marks[0].applied.ok ?? 0))} recorded by ecr (outcome ok); ${errors} errors`
          : `${fmtNum(ok)} ok, ${errors} errors; p99 ${fmtMs(percentile(all, 99))} (worst minute ${fmtMs(worst)})`,
      baseline: '—',
      ratio: '—',
      target: '0 errors',
      result: errors === 0 ? 'PASS' : 'MISS',
    });
    const firstError = cells.find((c) => c.firstError)?.firstError;
    if (firstError) {
      const kinds = cells.map((c, i) => [i + 1, Object.entries(c.kinds)]).filter(([, k]) => k.length);
      ctx.note(id, `${o.name}: errors by minute and kind: ${kinds.map(([m, k]) => `min ${m}: ${k.map(([kind, n]) => `${n}× ${kind}`).join(', ')}`).join('; ')}. First: ${firstError}`);
    }
  }
  const put = stats['tekton PUT config'].slice(1).reduce((n, c) => n + c.ok, 0);
  const received = noticesByMinute.slice(1).reduce((a, b) => a + b, 0);
  const notOk = Object.entries(marks.at(-1).applied).filter(([k]) => k !== 'ok').map(([k, v]) => `${k} ${v}`);
  ctx.note(
    id,
    `tekton, ecr and watcher run at once for ${minutes} min after ${WARMUP_MS / 1000} s of warm-up at ${fmtNum(offered, 1)} requests/s offered in all (open loop at fixed rates, ` +
      `not throughput): ${ops.map((o) => `${o.name} ${fmtNum(o.rate, 1)}/s`).join(', ')}. tekton: ${TEKTON_APPS} applications, config PUTs of a small counter config, GETs of it and of ` +
      `a 20-entry history page. ecr: ${ENDPOINTS} endpoints, ${OWN_CONFIGS} with their own ~1 KiB config (PUT through REST at the rate above), the rest on the app version's default ` +
      `(replaced at the rate above); 6/CDTP pulls cycle over the endpoints, every other one naming the config the device has; ConfigApplied (200) is published for configs those pulls ` +
      `dispatched (recorded = ecr's nats_messages_total{subject="cdtp.configApplied",outcome="ok"}${notOk.length ? `; other outcomes: ${notOk.join(', ')}` : ''}). ` +
      `watcher: distinct watch events over 8 kept-alive mTLS connections with a runtime certificate it issued. tekton notices: targeted 17/SCMP notices received ` +
      `(${fmtNum(received)} for ${fmtNum(put)} PUTs in the measured window). Memory from each app's GET /metrics (prom-client's process_resident_memory_bytes and ` +
      `nodejs_heap_size_used_bytes) every ${SAMPLE_MS / 1000} s; MB = 10^6 bytes. The slope is a least-squares fit of the per-minute heap floor over minutes ${minutes >= 2 ? 1 : 0}..${minutes} (minute 0, start-up and warm-up, is left out when there are at least two minutes after it); ` +
      `a run shorter than ${MIN_JUDGED_MINUTES} min is reported, not judged. ` +
      `The last column of the operations table is probed from the harness with the memory samples: the slowest Postgres \`SELECT 1\`, NATS round trip and ` +
      `event-loop delay of the load generator in that minute; when those stall too, a slow minute is the shared machine's, not an app's.`,
  );
}

/** What bounds the figure. */
export const bounds =
  'Nothing is pushed to its limit here: the rates are fixed and moderate (about a tenth of what one app answers on this machine), so latencies are those of a ' +
  'lightly loaded service plus whatever else runs on the shared cores. What the step can show is drift: a heap floor or RSS that keeps rising minute after minute ' +
  '(a leak in a cache, a listener or a per-request map), latencies that grow with the tables (ecr\'s dispatch history, tekton\'s revisions and the watcher\'s stream ' +
  'grow for the whole run), or errors that appear only after a while.';
