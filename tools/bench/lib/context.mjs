// Shared state of one benchmark run: services (Postgres, NATS), the dev OAuth issuer, app processes
// started from their built dist, and the collected results.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { connect as natsConnect } from '@nats-io/transport-node';
import { log, onCleanup, rssMiB, startChild, stopChild, waitHttpOk, warn } from './proc.mjs';
import { APP_NODE_FLAGS } from '../../dev/run.mjs';

export const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const benchDir = join(root, 'tools', 'bench');

/** A short random suffix for instance names, schemas, streams. */
export const rand = () => randomBytes(3).toString('hex');

export function freePort() {
  return import('../../dev/services.mjs').then((m) => m.freePort());
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `kaa-bench-${prefix}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function machineInfo() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    /* keep os.cpus() */
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    nproc,
    cpuModel: model,
    memoryGiB: totalmem() / 2 ** 30,
    freeGiB: freemem() / 2 ** 30,
    loadAtStart: load,
    kernel: (() => {
      try {
        return execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })(),
    node: process.version,
  };
}

export class BenchContext {
  constructor(options) {
    this.options = options;
    this.seconds = options.seconds;
    this.results = []; // rows for the main table
    this.notes = new Map(); // step id → [text]
    this.rss = []; // {app, phase, mib}
    this.skipped = []; // {step, reason}
    this.tables = new Map(); // step id → [{caption, lines}] (markdown tables under the step's notes)
    this.versions = { node: process.version };
  }

  /** Starts Postgres/NATS (or reuses them), the dev issuer and a bench NATS connection. */
  async init() {
    const { ensureServices } = await import('../../dev/services.mjs');
    this.services = await ensureServices({ dataDir: '.data/bench', database: 'kaa_bench', log: (l) => log(l) });
    onCleanup(() => this.services.stop());
    this.databaseUrl = this.services.databaseUrl;
    this.natsUrl = this.services.natsUrl;
    this.pg = new pg.Pool({ connectionString: this.databaseUrl, max: 4 });
    this.pg.on('error', () => undefined);
    onCleanup(() => this.pg.end());
    this.versions.postgres = (await this.pg.query('show server_version')).rows[0].server_version;
    this.nc = await natsConnect({ servers: this.natsUrl, name: 'kaa-bench-driver' });
    onCleanup(() => this.nc.drain().catch(() => undefined));
    this.versions.nats = this.nc.info?.version ?? 'unknown';

    const testing = join(root, 'libs', 'testing', 'dist', 'index.js');
    if (!existsSync(testing)) throw new Error(`${testing} is missing: build first (npx nx run-many -t build)`);
    const { DevIssuer } = await import(pathToFileURL(testing).href);
    this.issuer = await DevIssuer.start({
      // bench-noisy: the other tenant of step 6 (noisy neighbour).
      tenants: ['bench', 'bench-noisy'],
      clients: [{ clientId: 'bench-ecr', clientSecret: 'bench-secret', tenant: 'bench', scope: 'kaa:application:read kaa:tenant:configuration:read' }],
    });
    onCleanup(() => this.issuer.close());
    this.tmp = tempDir('run');
    this.tenantsFile = join(this.tmp, 'tenants.json');
    writeFileSync(this.tenantsFile, JSON.stringify(this.issuer.tenants()));
    this.protocols = await import(pathToFileURL(join(root, 'libs', 'protocols', 'dist', 'index.js')).href);
  }

  token(scope, expiresInSeconds = 3600) {
    return this.issuer.mint('bench', { scope, sub: 'bench-user', expiresInSeconds });
  }

  /** Whether apps/<name>/dist/main.js exists (the app builds). */
  appBuilt(name) {
    return existsSync(join(root, 'apps', name, 'dist', 'main.js'));
  }

  /**
   * Starts apps/<name>/dist/main.js with a unique instance name (its Postgres schema), waits for
   * /health, and registers clean-up (stop, drop the schema). Returns { child, port, baseUrl, instance }.
   */
  async startApp(name, env = {}, { healthTimeoutMs = 60000 } = {}) {
    const main = join(root, 'apps', name, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} does not exist (build failed or ${name} not available)`);
    const instance = env.SERVICE_INSTANCE_NAME ?? `bench-${name}-${rand()}`;
    const port = await freePort();
    const childEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      NATS_URL: this.natsUrl,
      TENANTS_FILE: this.tenantsFile,
      LOG_LEVEL: this.options.appLogLevel,
      SERVICE_INSTANCE_NAME: instance,
      REPLICA_ID: `${instance}-r1`,
      PORT: String(port),
      // The benchmarks measure throughput: the per-tenant rate limit would only measure 429s.
      RATE_LIMIT_PER_TENANT: '0',
      ...env,
    };
    const nodeArgs = [...APP_NODE_FLAGS]; // as npm start and the images run them
    if (this.options.cpuProf) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(root, '.data', 'bench-profiles')}`);
    const child = startChild(name, process.execPath, [...nodeArgs, main], { env: childEnv, cwd: root });
    onCleanup(() => this.dropSchema(instance));
    onCleanup(() => stopChild(child));
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitHttpOk(`${baseUrl}/health`, child, healthTimeoutMs);
    log(`${name} up as ${instance} (pid ${child.pid}) on ${baseUrl}`);
    return { child, port, baseUrl, instance, stop: () => stopChild(child) };
  }

  /** Idle RSS: 5 s after start (the caller has just started the app). */
  async recordIdleRss(app, name) {
    await sleep(5000);
    this.recordRss(name, 'idle', rssMiB(app.child.pid));
  }

  recordRss(app, phase, mib) {
    this.rss.push({ app, phase, mib });
    log(`RSS ${app} ${phase}: ${mib.toFixed(1)} MiB`);
  }

  async dropSchema(schema) {
    await this.pg.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`).catch((e) => warn(`drop schema ${schema}: ${e.message}`));
  }

  /** A row of the main table. */
  add(row) {
    this.results.push(row);
    const parts = [row.figure, row.ours, row.baseline && `baseline ${row.baseline}`, row.ratio && `ratio ${row.ratio}`, row.result].filter(Boolean);
    log(`[${row.step}] ${parts.join(' | ')}`);
  }

  note(step, text) {
    if (!this.notes.has(step)) this.notes.set(step, []);
    this.notes.get(step).push(text);
  }

  /** A markdown table (header, separator, rows) printed under the step's notes in the report. */
  table(step, caption, lines) {
    if (!this.tables.has(step)) this.tables.set(step, []);
    this.tables.get(step).push({ caption, lines });
  }

  skip(step, reason) {
    this.skipped.push({ step, reason });
    warn(`step ${step} skipped: ${reason}`);
  }
}
