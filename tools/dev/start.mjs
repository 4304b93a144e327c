// `npm start`: build, find or start Postgres and NATS, start a development OAuth issuer and the
// three apps, and print how to call each one. SIGINT or SIGTERM (to this process or to its group,
// e.g. Ctrl-C) and the end of its parent (npm, killed by an IDE's stop button) stop everything
// started here, in order: the apps (waiting for them), the dev issuer, then NATS and Postgres.
// `npm start -- --no-build` skips the build and runs the existing dist folders.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_NODE_FLAGS, ensureDependencies, nxEnv, run, signalRunning, workspaceRoot } from './run.mjs';

const dataDir = resolve(workspaceRoot, process.env.KAA_DATA_DIR ?? '.data');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const log = (line) => console.log(`${paint('1;35', 'start  ')} ${line}`);
const fail = (line) => console.error(`${paint('1;31', 'start  ')} ${line}`);

const intEnv = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return value;
};

const TOKEN_LIFETIME_SECONDS = 8 * 60 * 60;
// ECR serves every tenant, so its service account lives in the platform tenant (tekton's
// PLATFORM_TENANT, default `kaa`), whose kaa:* scopes read all tenants' configs.
const ECR_CLIENT = {
  clientId: 'ecr',
  clientSecret: 'ecr-dev-secret',
  tenant: 'kaa',
  scope: 'kaa:application:read kaa:tenant:configuration:read',
};

/** The apps, in start order; `demo` is the call printed once everything is healthy. */
function appDefinitions() {
  return [
    {
      name: 'tekton',
      port: intEnv('TEKTON_PORT', 8081),
      demo: { path: '/api/v1/applications', scope: ['application:read'], answers: '200 []' },
    },
    {
      name: 'ecr',
      port: intEnv('ECR_PORT', 8082),
      demo: {
        path: '/api/v1/app-versions/demo-v1/configurations',
        scope: ['application:endpoint-config:read', 'endpoint:read'],
        answers: '404 until the app registry (tekton) has an application demo with version demo-v1',
      },
    },
    {
      name: 'watcher',
      port: intEnv('WATCHER_PORT', 8083),
      extraPorts: { LISTENER_PORT: intEnv('WATCHER_LISTENER_PORT', 8443) },
      demo: { path: '/api/v1/watchers', scope: ['watcher:read'], answers: '200 []' },
    },
  ];
}

// ---- shutdown bookkeeping
const apps = []; // { name, child, exited }
let issuer;
let services;
let shuttingDown = false;

async function stopApp(app) {
  if (app.exited) return;
  const done = new Promise((r) => app.child.once('exit', r));
  try {
    process.kill(-app.child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const timer = setTimeout(() => {
    log(`${app.name} did not stop within 10 s; killing it`);
    try {
      process.kill(-app.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 10000);
  await done;
  clearTimeout(timer);
}

async function shutdown(reason, code) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (reason) log(reason);
  signalRunning('SIGTERM');
  await Promise.all(apps.map(stopApp));
  if (apps.length) log('apps stopped');
  await issuer?.close().catch(() => undefined);
  if (issuer) log('dev issuer stopped');
  await services?.stop();
  process.exit(code);
}

// SIGHUP: the terminal was closed; the apps and services, in their own groups, would not hear it.
const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
for (const [signal, code] of Object.entries(SIGNAL_CODES)) {
  process.on(signal, () => shutdown(`${signal}: stopping the apps, the dev issuer and the services started here`, code));
}
// npm 11 forwards SIGTERM/SIGINT to the shell running this script, not to us: the shell dies and
// we are re-parented. A changed parent pid is the sign (no prctl in Node).
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown(`the parent process (pid ${parentPid}, npm) is gone: stopping everything started here`, 143);
}, 500).unref();
// Our terminal or pipe may be gone with npm: a failed write must not crash the orderly shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
// Last resort if we crash: the apps run in their own process groups and would outlive us.
process.on('exit', () => {
  for (const app of apps) {
    if (!app.exited) {
      try {
        process.kill(-app.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
});

// ---- ports
async function checkPorts(portInUse, definitions, issuerPort) {
  const wanted = [
    ...definitions.flatMap((d) => [
      { port: d.port, what: `${d.name} HTTP (${d.name.toUpperCase()}_PORT)` },
      ...Object.entries(d.extraPorts ?? {}).map(([k, port]) => ({ port, what: `${d.name} ${k}` })),
    ]),
    { port: issuerPort, what: 'dev OAuth issuer (DEV_ISSUER_PORT)' },
  ];
  const taken = [];
  for (const { port, what } of wanted) {
    if (await portInUse(port, '0.0.0.0')) taken.push(`port ${port} for ${what} is already in use${whoListens(port)}`);
  }
  if (taken.length) {
    throw new Error(`${taken.join('\n  ')}\n  Stop whatever holds it (an earlier npm start?) or choose other ports with the variables named above.`);
  }
}

function whoListens(port) {
  const result = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const match = result.stdout?.match(/users:\(\("([^"]+)",pid=(\d+)/);
  return match ? ` (by ${match[1]}, pid ${match[2]})` : '';
}

// ---- files under .data
function devSecrets() {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    WATCHER_CA_KEY_SECRET: randomBytes(32).toString('hex'),
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  log(`generated development secrets in ${file} (reused on later runs)`);
  return secrets;
}

const SERVICE_INSTANCES_YAML = `# Written by tools/dev/start.mjs for local development. Set SERVICE_INSTANCES_FILE to use your own.
kaa:
  service-instances:
    ecr:
      serviceName: ecr
      serviceGroup: configuration
      description: Endpoint Configuration Repository
      urlPrefix: http://127.0.0.1:8082
      appConfigurationSchema:
        type: object
        properties:
          endpoint-configuration:
            type: object
            properties:
              schema-required:
                type: boolean
              schema:
                type: object
            additionalProperties: false
      appVersionConfigurationSchema:
        type: object
        properties:
          endpointConfigurationSchema:
            type: object
    cmx:
      serviceName: cmx
      serviceGroup: communication
      description: Example second consumer (configuration management extension)
      urlPrefix: http://cmx.example.invalid
      appConfigurationSchema:
        type: object
        properties:
          push-on-connect:
            type: boolean
      appVersionConfigurationSchema:
        type: object
        properties:
          max-payload-bytes:
            type: integer
            minimum: 1
`;

function serviceInstancesFile() {
  if (process.env.SERVICE_INSTANCES_FILE) {
    log(`tekton: using SERVICE_INSTANCES_FILE=${process.env.SERVICE_INSTANCES_FILE}`);
    return process.env.SERVICE_INSTANCES_FILE;
  }
  const file = join(dataDir, 'service-instances.yaml');
  writeFileSync(file, SERVICE_INSTANCES_YAML);
  return file;
}

// ---- app processes and their logs
const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_COLORS = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '1;31' };
const APP_COLORS = { tekton: '1;34', ecr: '1;36', watcher: '1;33' };
const QUIET_KEYS = new Set(['level', 'time', 'msg', 'message', 'service', 'instance', 'replica', 'pid', 'hostname', 'context', 'err', 'trace']);

function formatLine(raw) {
  if (process.env.LOG_FORMAT === 'json' || !raw.startsWith('{')) return raw;
  let entry;
  try {
    entry = JSON.parse(raw);
  } catch {
    return raw;
  }
  const level = typeof entry.level === 'number' ? (LEVELS[entry.level] ?? String(entry.level)) : String(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : new Date(entry.time ?? Date.now()).toISOString().slice(11, 19);
  const context = entry.context ? paint('90', `[${entry.context}] `) : '';
  const rest = Object.fromEntries(Object.entries(entry).filter(([k]) => !QUIET_KEYS.has(k)));
  let extra = Object.keys(rest).length ? ` ${paint('90', JSON.stringify(rest))}` : '';
  if (extra.length > 400) extra = `${extra.slice(0, 400)}…`;
  const stack = entry.err?.stack ?? entry.trace;
  const errText = stack ? `\n${stack}` : entry.err?.message ? ` ${entry.err.message}` : '';
  return `${paint('90', time)} ${paint(LEVEL_COLORS[level] ?? '0', level.toUpperCase().padEnd(5))} ${context}${entry.msg ?? entry.message ?? ''}${extra}${errText}`;
}

function pipeLines(stream, app) {
  let buffer = '';
  const tag = paint(APP_COLORS[app.name] ?? '1', app.name.padEnd(7));
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      const text = formatLine(line);
      app.lastLines.push(text);
      if (app.lastLines.length > 30) app.lastLines.shift();
      for (const part of text.split('\n')) console.log(`${tag} ${part}`);
    }
  });
}

function startApp(definition, env) {
  const main = join(workspaceRoot, 'apps', definition.name, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist; did the build produce it?`);
  // detached: own process group, so Ctrl-C reaches only us and we stop things in order.
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, main], { cwd: workspaceRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const app = { name: definition.name, port: definition.port, child, exited: false, exitCode: undefined, lastLines: [] };
  apps.push(app);
  pipeLines(child.stdout, app);
  pipeLines(child.stderr, app);
  child.on('exit', (code, signal) => {
    app.exited = true;
    app.exitCode = code ?? signal;
    if (!shuttingDown) {
      fail(`${app.name} exited (${code ?? signal}) — stopping everything`);
      void shutdown(undefined, 1);
    }
  });
  return app;
}

async function waitHealthy(app, timeoutMs) {
  const url = `http://127.0.0.1:${app.port}/health`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (app.exited) throw new Error(`${app.name} exited (${app.exitCode}) before ${url} answered 200. Its last log lines:\n${app.lastLines.join('\n')}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `${response.status} ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = error?.cause?.code ?? error?.message ?? String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${app.name}: ${url} did not return 200 within ${timeoutMs / 1000} s (last: ${last}). Its last log lines:\n${app.lastLines.join('\n')}`);
}

// ---- main
async function main() {
  await ensureDependencies(log);
  const { ensureServices, portInUse } = await import('./services.mjs');
  const definitions = appDefinitions();
  const issuerPort = intEnv('DEV_ISSUER_PORT', 8090);
  await checkPorts(portInUse, definitions, issuerPort);

  if (process.argv.includes('--no-build')) {
    log('--no-build: using the existing apps/*/dist and libs/*/dist');
  } else {
    log('building (npm run build)');
    const buildCode = await run('npm', ['run', 'build'], { env: nxEnv() });
    if (buildCode !== 0) throw new Error(`npm run build failed (exit ${buildCode})`);
    if (shuttingDown) return;
  }

  mkdirSync(dataDir, { recursive: true });
  services = await ensureServices({ dataDir, database: 'kaa', log });

  const testingLib = join(workspaceRoot, 'libs', 'testing', 'dist', 'index.js');
  if (!existsSync(testingLib)) throw new Error(`${testingLib} is missing: the build did not produce @kaa/testing (the DevIssuer).`);
  const { DevIssuer } = await import(pathToFileURL(testingLib).href);
  // Every scope the services know, for the one token the README's examples use: @kaa/auth's
  // catalogue, whose scopes.js imports nothing, so it loads without the rest of the library.
  const scopesLib = join(workspaceRoot, 'libs', 'auth', 'dist', 'scopes.js');
  if (!existsSync(scopesLib)) throw new Error(`${scopesLib} is missing: the build did not produce @kaa/auth (the scope catalogue).`);
  const { ALL_SCOPES } = await import(pathToFileURL(scopesLib).href);
  // Its keys persist under the data dir, so a token exported before a restart keeps working.
  const keysFile = join(dataDir, 'dev-issuer-keys.json');
  issuer = await DevIssuer.start({ port: issuerPort, host: '127.0.0.1', tenants: ['demo', 'acme', 'kaa'], clients: [ECR_CLIENT], keysFile });
  log(`dev OAuth issuer on ${issuer.baseUrl} (tenants demo, acme and the platform tenant kaa; client ${ECR_CLIENT.clientId}/${ECR_CLIENT.clientSecret} for ecr)`);

  const tenantsFile = join(dataDir, 'tenants.json');
  writeFileSync(tenantsFile, `${JSON.stringify(issuer.tenants(), null, 2)}\n`);
  const instancesFile = serviceInstancesFile();
  const secrets = devSecrets();

  const common = { ...process.env };
  // One value per app, or the issuer's tenants (so the printed tokens work).
  for (const key of ['PORT', 'SERVICE_INSTANCE_NAME', 'TENANT_MANAGER_URL', 'LISTENER_PORT']) delete common[key];
  if (process.env.TENANTS_FILE) log(`ignoring TENANTS_FILE=${process.env.TENANTS_FILE}: npm start uses the dev issuer's tenants (${tenantsFile})`);
  Object.assign(common, {
    DATABASE_URL: services.databaseUrl,
    NATS_URL: services.natsUrl,
    TENANTS_FILE: tenantsFile,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  const [tektonDef, ecrDef, watcherDef] = definitions;
  const envFor = {
    tekton: {
      ...common,
      PORT: String(tektonDef.port),
      SERVICE_INSTANCES_FILE: instancesFile,
      SECRETS_ENCRYPTION_KEY: process.env.SECRETS_ENCRYPTION_KEY ?? secrets.SECRETS_ENCRYPTION_KEY,
    },
    ecr: {
      ...common,
      PORT: String(ecrDef.port),
      TEKTON_URL: process.env.TEKTON_URL ?? `http://127.0.0.1:${tektonDef.port}`,
      TOKEN_URL: process.env.TOKEN_URL ?? issuer.tokenUrlFor(ECR_CLIENT.tenant),
      CLIENT_ID: process.env.CLIENT_ID ?? ECR_CLIENT.clientId,
      CLIENT_SECRET: process.env.CLIENT_SECRET ?? ECR_CLIENT.clientSecret,
    },
    watcher: {
      ...common,
      PORT: String(watcherDef.port),
      LISTENER_PORT: String(watcherDef.extraPorts.LISTENER_PORT),
      WATCHER_CA_KEY_SECRET: process.env.WATCHER_CA_KEY_SECRET ?? secrets.WATCHER_CA_KEY_SECRET,
    },
  };

  const timeoutMs = intEnv('HEALTH_TIMEOUT_SECONDS', 90) * 1000;
  // Tekton first: ECR reads its configuration from Tekton when it boots.
  const tekton = startApp(tektonDef, envFor.tekton);
  log(`started tekton (pid ${tekton.child.pid}); waiting for http://127.0.0.1:${tektonDef.port}/health`);
  await waitHealthy(tekton, timeoutMs);
  const rest = [startApp(ecrDef, envFor.ecr), startApp(watcherDef, envFor.watcher)];
  log(`started ecr (pid ${rest[0].child.pid}) and watcher (pid ${rest[1].child.pid}); waiting for their /health`);
  await Promise.all(rest.map((app) => waitHealthy(app, timeoutMs)));

  const lines = ['', paint('1', 'All services are up.'), ''];
  for (const def of definitions) {
    const base = `http://127.0.0.1:${def.port}`;
    const token = await issuer.mint('demo', { scope: def.demo.scope, sub: 'dev-user', expiresInSeconds: TOKEN_LIFETIME_SECONDS });
    lines.push(
      `${paint(APP_COLORS[def.name], def.name)}  ${base}   docs ${base}/api/docs (JSON ${base}/api/docs/json)   health ${base}/health   metrics ${base}/metrics`,
      `  # tenant demo, scope "${def.demo.scope.join(' ')}", valid 8 h; answers ${def.demo.answers}`,
      `  curl -H "Authorization: Bearer ${token}" ${base}${def.demo.path}`,
      '',
    );
  }
  const everything = await issuer.mint('demo', { scope: [...ALL_SCOPES], sub: 'dev-user', expiresInSeconds: TOKEN_LIFETIME_SECONDS });
  lines.push(
    '# tenant demo, every scope, valid 8 h (the README\'s examples use it):',
    `export TOKEN=${everything}`,
    '',
    `dev OAuth issuer ${issuer.baseUrl}: tenants ${issuer.tenants().map((t) => `${t.id} (${t.issuer})`).join(', ')}`,
    `  # a client-credentials token (ecr's service account); answers 200 {"access_token": ...}`,
    `  curl -s -d grant_type=client_credentials -d client_id=${ECR_CLIENT.clientId} -d client_secret=${ECR_CLIENT.clientSecret} ${issuer.tokenUrlFor(ECR_CLIENT.tenant)}`,
    `Postgres ${services.databaseUrl}   NATS ${services.natsUrl}`,
    '# a device\'s config over 6/CDTP, as a delivery service asks ecr (apps/ecr/README.md); answers status 200 after the README\'s example, 404 before:',
    `  NATS_URL=${services.natsUrl} npm run cdtp-pull -- --endpoint meter-0001 --app-version smart-meter-v1`,
    `Tokens stay valid across restarts (keys in ${keysFile}). Ctrl-C stops everything started here.`,
    '',
  );
  console.log(lines.join('\n'));
}

try {
  await main();
} catch (error) {
  fail(error?.message ?? String(error));
  await shutdown(undefined, 1);
}
