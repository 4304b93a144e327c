// `npm test [-- <jest args>]`: build, lint and typecheck every project, then run every jest
// project against a real Postgres and NATS (found or started by services.mjs). Fails fast.
// KAA_TEST_SKIP_NX=1 skips the Nx step (quick re-runs of jest only).
import { ensureDependencies, nxEnv, run, signalRunning, workspaceRoot } from './run.mjs';

const log = (line) => console.log(`[test] ${line}`);
const jestArgs = process.argv.slice(2);

let services;
async function stopServices() {
  const current = services;
  services = undefined;
  await current?.stop();
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping`);
    signalRunning(signal);
    await stopServices();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

async function main() {
  log(`Node ${process.versions.node} (${process.execPath})`);
  await ensureDependencies(log);
  const { ensureServices } = await import('./services.mjs');
  services = await ensureServices({ database: 'kaa_test', log: (line) => log(line) });
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
