// `npm run bench`: the side-by-side benchmark harness (issue 7). Builds, starts what it needs, runs
// each step against a baseline measured in the same run, and writes BENCHMARKS.md. Bounded to
// --budget-seconds (default 600, plus the soak's minutes when it runs) in all; every step has its own
// bound and stops its processes. The soak (7) runs only when named: --only=7 or --soak.
//
//   npm run bench -- [--only=1,2,3,4,5,6,7] [--seconds=10] [--changes=1000] [--scale-rows=1000000]
//                    [--soak] [--soak-minutes=10] [--soak-rate=100]
//                    [--no-build] [--cpu-prof] [--app-log-level=warn] [--out=BENCHMARKS.md]
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchContext, machineInfo, root } from './lib/context.mjs';
import { cleanupAll, log, warn, withTimeout } from './lib/proc.mjs';
import { writeReport } from './lib/report.mjs';
import { fmtNum } from './lib/stats.mjs';
import * as cdtpStep from './steps/cdtp.mjs';
import * as restStep from './steps/rest.mjs';
import * as noticeStep from './steps/notice.mjs';
import * as watchStep from './steps/watch.mjs';
import * as scaleStep from './steps/scale.mjs';
import * as noisyStep from './steps/noisy.mjs';
import * as soakStep from './steps/soak.mjs';

function parseArgs(argv) {
  const opts = {
    only: null,
    seconds: 10,
    changes: 1000,
    scaleRows: 1_000_000,
    build: true,
    cpuProf: false,
    appLogLevel: 'warn',
    out: join(root, 'BENCHMARKS.md'),
    budgetSeconds: undefined,
    soak: false,
    soakMinutes: 10,
    soakRate: 100,
  };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    const num = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} needs a positive number, got ${value}`);
      return n;
    };
    switch (key) {
      case 'only':
        opts.only = new Set(value.split(',').map((s) => s.trim()));
        break;
      case 'seconds':
        opts.seconds = num();
        break;
      case 'changes':
        opts.changes = Math.round(num());
        break;
      case 'scale-rows':
        opts.scaleRows = Math.round(num());
        break;
      case 'no-build':
        opts.build = false;
        break;
      case 'cpu-prof':
        opts.cpuProf = true;
        break;
      case 'app-log-level':
        opts.appLogLevel = value;
        break;
      case 'out':
        opts.out = resolve(process.cwd(), value);
        break;
      case 'budget-seconds':
        opts.budgetSeconds = num();
        break;
      case 'soak':
        opts.soak = true;
        break;
      case 'soak-minutes':
        opts.soakMinutes = Math.max(1, Math.round(num()));
        break;
      case 'soak-rate':
        opts.soakRate = num();
        break;
      case 'help':
        console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 8).join('\n'));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  if (opts.scaleRows < 10000) throw new Error('--scale-rows must be at least 10000 (the small size)');
  // The soak is opt-in (it takes its minutes on top of everything else): named in --only, or --soak.
  if (opts.soak && opts.only) opts.only.add(soakStep.id);
  opts.runSoak = opts.soak || Boolean(opts.only?.has(soakStep.id));
  // Its minutes come on top of the 10-minute budget unless a budget is given.
  opts.budgetSeconds ??= 600 + (opts.runSoak ? soakSeconds(opts) : 0);
  return opts;
}

/** The soak step's bound: its load time plus start-up of three apps, loading and clean-up. */
function soakSeconds(opts) {
  return opts.soakMinutes * 60 + 180;
}

/** `nx run-many -t build`, bounded; returns { ok, failed: [app names], note }. */
function build(timeoutMs) {
  const logDir = join(root, '.data');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'bench-build.log');
  const fd = openSync(logFile, 'w');
  return new Promise((resolveBuild) => {
    const child = spawn('npx', ['nx', 'run-many', '-t', 'build'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      closeSync(fd);
      const output = readFileSync(logFile, 'utf8');
      const failed = [...output.matchAll(/^\s*-\s*([\w-]+):build/gm)].map((m) => m[1]);
      if (code === 0) return resolveBuild({ ok: true, failed: [], note: 'nx run-many -t build succeeded' });
      const why = signal ? `stopped after ${timeoutMs / 1000} s` : `exit ${code}`;
      resolveBuild({ ok: false, failed, note: `nx run-many -t build failed (${why}; failed: ${failed.join(', ') || 'see .data/bench-build.log'}); apps whose build failed were not measured` });
    });
  });
}

const STEPS = [
  { module: cdtpStep, budgetSeconds: 120 },
  { module: restStep, budgetSeconds: 60 },
  { module: noticeStep, budgetSeconds: 180 },
  { module: watchStep, budgetSeconds: 90 },
  { module: scaleStep, budgetSeconds: 200 },
  { module: noisyStep, budgetSeconds: 120 },
  { module: soakStep, budgetSeconds: (opts) => soakSeconds(opts) },
];

/** Whether this run includes the step: --only names it, or (without --only) it is not opt-in, or --soak. */
function selected(opts, step) {
  if (opts.only) return opts.only.has(step.id);
  return !step.optIn || (step === soakStep && opts.runSoak);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const deadline = Date.now() + opts.budgetSeconds * 1000;
  const machine = machineInfo();
  const ctx = new BenchContext(opts);
  const args = process.argv.slice(2);
  const command = ['npm run bench', ...(args.length ? ['--', ...args] : [])].join(' ');

  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      warn(`${signal}: stopping everything started here`);
      void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  // The global bound: whatever is running then is abandoned, processes stopped, the report written.
  const globalTimer = setTimeout(() => {
    warn(`the run exceeded its ${opts.budgetSeconds} s budget; stopping`);
    ctx.skip('all', `the run exceeded its ${opts.budgetSeconds} s budget; later figures are missing`);
    void finish(1);
  }, opts.budgetSeconds * 1000);
  globalTimer.unref();

  let buildNote;
  let finishing = false;
  async function finish(code) {
    if (finishing) return;
    finishing = true;
    rssRows(ctx);
    try {
      writeReport(ctx, { file: opts.out, steps: STEPS.map((s) => s.module).filter((m) => !m.optIn || selected(opts, m)), machine, startedAt, finishedAt: new Date(), buildNote, command });
      log(`wrote ${opts.out}`);
    } catch (error) {
      warn(`could not write the report: ${error.stack ?? error}`);
    }
    await withTimeout(cleanupAll(), 60000, 'clean-up').catch((e) => warn(e.message));
    process.exit(code);
  }

  if (opts.build) {
    log('building (nx run-many -t build, bounded to 240 s) ...');
    const result = await build(Math.min(240000, deadline - Date.now() - 60000));
    buildNote = result.note;
    log(result.note);
    ctx.buildFailed = new Set(result.failed);
  } else {
    buildNote = 'skipped (--no-build); apps ran from their existing dist';
  }
  const appBuilt = ctx.appBuilt.bind(ctx);
  ctx.appBuilt = (name) => !ctx.buildFailed?.has(name) && appBuilt(name);

  await withTimeout(ctx.init(), 60000, 'start-up (Postgres, NATS, dev issuer)');
  log(`Postgres ${ctx.versions.postgres}, nats-server ${ctx.versions.nats}, Node ${process.version}; ${machine.nproc} CPUs (${machine.cpuModel}), load ${machine.loadAtStart}`);

  for (const { module: step, budgetSeconds: stepBudget } of STEPS) {
    if (!selected(opts, step)) continue;
    const budgetSeconds = typeof stepBudget === 'function' ? stepBudget(opts) : stepBudget;
    const left = deadline - Date.now() - 20000;
    if (left < 20000) {
      ctx.skip(step.id, `not enough of the ${Math.round(opts.budgetSeconds / 60)}-minute budget left`);
      continue;
    }
    const bound = Math.min(budgetSeconds * 1000, left);
    log(`step ${step.id}: ${step.title} (bounded to ${Math.round(bound / 1000)} s)`);
    const t0 = Date.now();
    try {
      await withTimeout(step.run(ctx, { deadline: t0 + bound }), bound, `step ${step.id}`);
    } catch (error) {
      warn(`step ${step.id} failed: ${error.stack ?? error}`);
      ctx.add({ step: step.id, figure: step.title, ours: `error: ${String(error.message ?? error).split('\n')[0].slice(0, 300)}`, baseline: '—', ratio: '—', target: '—', result: 'ERROR' });
    }
    log(`step ${step.id} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await finish(0);
}

/** Step 5's RSS rows: each app idle (5 s after start) and the largest reading at the end of a load step. */
function rssRows(ctx) {
  if (ctx.rssAdded) return;
  ctx.rssAdded = true;
  const MB = (mib) => mib * 1.048576;
  for (const app of ['tekton', 'ecr', 'watcher']) {
    const idle = ctx.rss.find((r) => r.app === app && r.phase === 'idle');
    const loaded = ctx.rss.filter((r) => r.app === app && r.phase !== 'idle').sort((a, b) => b.mib - a.mib)[0];
    if (!idle && !loaded) continue;
    ctx.add({
      step: '5',
      figure: `RSS ${app}: idle / under load`,
      ours: `${idle ? fmtNum(MB(idle.mib)) : '—'} MB / ${loaded ? fmtNum(MB(loaded.mib)) : '—'} MB`,
      baseline: '—',
      ratio: '—',
      target: '≤ 150 MB idle, ≤ 300 MB loaded',
      result: (idle ? MB(idle.mib) <= 150 : true) && (loaded ? MB(loaded.mib) <= 300 : true) ? 'PASS' : 'MISS',
    });
  }
  if (ctx.rss.length) {
    ctx.note(
      'rss',
      `VmRSS from /proc/<pid>/status of each app process (MB = 10^6 bytes): idle = 5 s after /health answered; loaded = at the end of each of its load steps (largest shown). Readings: ` +
        ctx.rss.map((r) => `${r.app} ${r.phase} ${fmtNum(MB(r.mib))} MB`).join('; ') +
        '.',
    );
  }
}

main().catch(async (error) => {
  warn(error.stack ?? String(error));
  await cleanupAll();
  process.exit(1);
});
