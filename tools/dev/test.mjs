// `npm test [-- <jest args>]`: build, lint and typecheck every project, then run every jest
// project against a real Postgres and NATS (found or started by services.mjs). Fails fast.
// KAA_TEST_SKIP_NX=1 skips the Nx step (quick re-runs of jest only).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, nxEnv, run, signalRunning, workspaceRoot } from './run.mjs';

const log = (line) => console.log(`[test] ${line}`);
const TEST_DATA_PARENT = join(workspaceRoot, '.data');

/** `.data/test-<pid>` of runs that were killed (their pid is gone and nothing runs in them). */
function removeStaleDataDirs() {
  let names = [];
  try {
    names = readdirSync(TEST_DATA_PARENT);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^test-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // that run is still going
    } catch {
      /* gone */
    }
    let postmaster;
    try {
      postmaster = Number(readFileSync(join(TEST_DATA_PARENT, name, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      // Its Postgres outlived it (detached): stop it; the dir goes on the next run.
      process.kill(postmaster, 'SIGINT');
      continue;
    } catch {
      /* none */
    }
    rmSync(join(TEST_DATA_PARENT, name), { recursive: true, force: true });
  }
}
const jestArgs = process.argv.slice(2);

let services;
async function stopServices() {
  const current = services;
  services = undefined;
  await current?.stop();
}

let interrupted = false;
const stopOn = (signal) => async () => {
  if (interrupted) return;
  interrupted = true;
  log(`${signal}: stopping`);
  signalRunning(signal);
  await stopServices();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, stopOn(signal));
// npm forwards signals to the shell running this script, not to us (see start.mjs).
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void stopOn('SIGTERM')();
}, 500).unref();

async function main() {
  log(`Node ${process.versions.node} (${process.execPath})`);
  await ensureDependencies(log);
  const { ensureServices } = await import('./services.mjs');
  removeStaleDataDirs();
  // Its own data dir, removed afterwards: a Postgres or nats-server started here never shares
  // state (or a JetStream store) with a running `npm start` (.data) or another `npm test`.
  services = await ensureServices({ dataDir: join(TEST_DATA_PARENT, `test-${process.pid}`), ephemeral: true, database: 'kaa_test', log: (line) => log(line) });
  const env = nxEnv({ ...process.env, DATABASE_URL: services.databaseUrl, NATS_URL: services.natsUrl });

  if (process.env.KAA_TEST_SKIP_NX === '1') {
    log('KAA_TEST_SKIP_NX=1: skipping build, lint and typecheck');
  } else {
    log('npx nx run-many -t build lint typecheck');
    const nxCode = await run('npx', ['nx', 'run-many', '-t', 'build', 'lint', 'typecheck'], { env });
    if (nxCode !== 0) {
      log(`build/lint/typecheck failed (exit ${nxCode}); not running jest`);
      return nxCode;
    }
  }

  const workersGiven = jestArgs.some((a) => /^(--maxWorkers|-w|--runInBand|-i)(=|$)/.test(a));
  const args = [
    '--experimental-vm-modules',
    '--disable-warning=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    '--ci',
    ...(workersGiven ? [] : ['--maxWorkers=2']),
    ...jestArgs,
  ];
  log(`DATABASE_URL=${services.databaseUrl} NATS_URL=${services.natsUrl} node ${args.join(' ')}`);
  const jestCode = await run(process.execPath, args, { env, cwd: workspaceRoot });
  log(jestCode === 0 ? 'jest passed' : `jest failed (exit ${jestCode})`);
  return jestCode;
}

let code;
try {
  code = await main();
} catch (error) {
  console.error(`[test] ${error?.message ?? error}`);
  code = 1;
}
if (!interrupted) {
  await stopServices();
  process.exit(code);
}
