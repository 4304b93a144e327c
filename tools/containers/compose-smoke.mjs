// Brings docker-compose.yml up the way the README's "Containers" section says, on podman's Docker
// API, and runs the README's example flow against it: .env from compose-env.mjs, `docker-compose
// --profile dev up -d --build`, every service healthy, a token from the dev issuer with the README's
// own command, then the "Calling the services" curl lines (each must answer what the README says),
// then `docker-compose down -v`. CI runs it after smoke.mjs. Bounded: the build by
// COMPOSE_SMOKE_BUILD_TIMEOUT_SECONDS (900), everything after it by COMPOSE_SMOKE_TIMEOUT_SECONDS (360).
//
//   node tools/containers/compose-smoke.mjs   # base image from this machine's Node, stand-ins for postgres/nats
//   BASE_IMAGE=node BASE_TAG=22-bookworm-slim node tools/containers/compose-smoke.mjs
//
// Where podman cannot pull (CI here) it builds stand-ins tagged postgres:16 and nats:2.10-alpine
// (stand-ins.mjs), and it adds tools/containers/compose.ci.yml (the Node base as build argument,
// builds on the host network). Without systemd podman runs no health checks by itself, so this
// runs them (`podman healthcheck run`) every few seconds while the stack is up.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBaseImage } from './base-image.mjs';
import { writeComposeEnv } from './compose-env.mjs';
import { ensurePodman, podmanEnv } from './podman.mjs';
import { ensureStandIns } from './stand-ins.mjs';
import { freePort, workspaceRoot } from '../dev/services.mjs';

const log = (line) => console.log(`[compose] ${line}`);
// The images' build (a first one installs every npm package) has a bound of its own; after it,
// bringing the stack up, waiting for health and the README flow get TIMEOUT_SECONDS.
const BUILD_TIMEOUT_SECONDS = Number(process.env.COMPOSE_SMOKE_BUILD_TIMEOUT_SECONDS ?? 900);
const TIMEOUT_SECONDS = Number(process.env.COMPOSE_SMOKE_TIMEOUT_SECONDS ?? 360);
let deadline = Date.now() + BUILD_TIMEOUT_SECONDS * 1000;
const SERVICES = ['dev-issuer', 'postgres', 'nats', 'tekton', 'ecr', 'watcher'];
/** The host ports docker-compose.yml publishes, by the variable that moves each and its default. */
const HOST_PORTS = { TEKTON_HOST_PORT: 8081, ECR_HOST_PORT: 8082, WATCHER_HOST_PORT: 8083, WATCHER_LISTENER_HOST_PORT: 8443, DEV_ISSUER_HOST_PORT: 8090 };
/**
 * What each curl line of the README's "Calling the services" answers, in order. `eventually`: ecr
 * learns the version's schema from tekton's 17/SCMP notice, so that line is repeated until it does.
 */
const README_FLOW = [
  { what: 'tekton: create the application', status: [201] },
  { what: 'tekton: create version v1', status: [201] },
  { what: 'tekton: set the endpoint schema for ecr', status: [200] },
  { what: "ecr: the version's schema, once ecr has it", status: [200], eventually: true },
  { what: 'ecr: a bad default is refused', status: [400] },
  { what: 'ecr: a good default is stored', status: [200, 201] },
  { what: "ecr: one device's own configuration", status: [200, 201] },
  { what: 'ecr: list the configurations', status: [200] },
  { what: "ecr: the device's own configuration", status: [200] },
  { what: 'watcher: list the watchers', status: [200] },
];

const runId = randomBytes(3).toString('hex');
const project = `kaa-ci-${runId}`;
const work = mkdtempSync(join(tmpdir(), 'kaa-compose-'));
const socket = join(work, 'podman.sock');
const summary = [];
let service;
let composeEnv;
let composeUp = false;
let upStarted;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to its end (killed at `until`, the deadline by default); resolves {code, output}. */
function run(command, args, { env = composeEnv, cwd = workspaceRoot, until = deadline } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, until - Date.now()));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output, killed: signal === 'SIGKILL' });
    });
  });
}

const composeFiles = () => ['-p', project, '--env-file', join(work, '.env'), '-f', 'docker-compose.yml', '-f', 'tools/containers/compose.ci.yml', '--profile', 'dev'];
const compose = (args, options) => run('docker-compose', [...composeFiles(), ...args], options);

function pingSocket() {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function startPodmanService() {
  service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env: podmanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  service.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 60; i++) {
    if (service.exitCode !== null) throw new Error(`podman system service exited ${service.exitCode}: ${stderr}`);
    if (existsSync(socket) && (await pingSocket())) return;
    await sleep(250);
  }
  throw new Error(`podman system service did not answer on ${socket}: ${stderr}`);
}

// Asynchronous, so that the deadline's timer fires even while podman waits for its storage lock.
const podmanAsync = (args, options = {}) => run('podman', args, { env: podmanEnv(), ...options });

/** The project's containers by compose service: {service: container name}. */
async function containers(options) {
  const { output } = await podmanAsync(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}} {{index .Labels "com.docker.compose.service"}}'], options);
  return Object.fromEntries(output.split('\n').filter((line) => /^\S+ \S+$/.test(line)).map((line) => line.split(' ').reverse()));
}

/** Runs every container's health check once (podman without systemd schedules none itself). */
async function runHealthChecks() {
  await Promise.all(Object.values(await containers()).map((name) => podmanAsync(['healthcheck', 'run', name])));
}

async function healthOf(name) {
  const { output } = await podmanAsync(['inspect', '--format', '{{.State.Status}} {{.State.Health.Status}}', name]);
  const [state, health] = output.trim().split(' ');
  return { state, health };
}

async function waitHealthy() {
  const t0 = Date.now();
  let states = {};
  while (Date.now() < deadline) {
    await runHealthChecks();
    const names = await containers();
    states = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, names[s] ? await healthOf(names[s]) : { state: 'missing' }])));
    if (Object.values(states).every((s) => s.health === 'healthy')) {
      log(`all ${SERVICES.length} services healthy ${((Date.now() - t0) / 1000).toFixed(0)} s after up returned`);
      return names;
    }
    await sleep(3000);
  }
  throw new Error(`not every service became healthy: ${JSON.stringify(states)}`);
}

/**
 * Whether a shell text leaves a quote open (single or double; backslash escapes outside single
 * quotes). A `#` after a blank outside quotes starts a comment to the end of its line, whose
 * apostrophes (`# 200: the device's own`) quote nothing.
 */
function openQuote(text) {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quote !== "'") i++;
    else if (!quote && c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end;
    } else if (!quote && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = '';
  }
  return quote;
}

/** The commands of the README's fenced bash block under `heading` (continued and quoted lines joined). */
function readmeBlock(readme, heading) {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading));
  const block = section && /```bash[^\n]*\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`README.md has no bash block under "## ${heading}"`);
  const commands = [];
  let current = '';
  for (const line of block.split('\n')) {
    if (!current && (line.trim().startsWith('#') || !line.trim())) continue;
    current += `${line}\n`;
    if (!line.endsWith('\\') && !openQuote(current)) {
      commands.push(current.trim());
      current = '';
    }
  }
  if (current) throw new Error(`README.md "## ${heading}": a command's quote is never closed: ${current}`);
  return commands;
}

/** The README's URLs with the host ports compose published here. */
function withPorts(command, ports) {
  return command.replace(/127\.0\.0\.1:(\d+)/g, (whole, port) => {
    const variable = Object.keys(HOST_PORTS).find((key) => HOST_PORTS[key] === Number(port));
    return variable ? `127.0.0.1:${ports[variable]}` : whole;
  });
}

async function readmeFlow(ports) {
  const readme = readFileSync(join(workspaceRoot, 'README.md'), 'utf8');
  // The token, exactly as "Containers" says (it sources ./.env, so run it where .env is).
  const tokenCommand = readmeBlock(readme, 'Containers').find((c) => c.includes('export TOKEN='));
  if (!tokenCommand) throw new Error('README.md "Containers" has no `export TOKEN=` command');
  const token = await run('bash', ['-c', `set -e\n${withPorts(tokenCommand, ports)}\nprintf '%s' "$TOKEN"`], { cwd: work });
  const tokenText = token.output.trim();
  if (token.code !== 0 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(tokenText)) throw new Error(`the README's token command failed (exit ${token.code}): ${tokenText.slice(0, 300)}`);
  log('token: from the dev issuer, as the README says');

  const commands = readmeBlock(readme, 'Calling the services');
  const prelude = commands.filter((c) => !c.startsWith('curl ')).join('\n');
  const curls = commands.filter((c) => c.startsWith('curl '));
  if (curls.length !== README_FLOW.length) {
    throw new Error(`README.md "Calling the services" has ${curls.length} curl lines, compose-smoke.mjs expects ${README_FLOW.length}: update README_FLOW`);
  }
  const body = join(work, 'body');
  for (const [i, step] of README_FLOW.entries()) {
    const command = withPorts(curls[i], ports).replace(/^curl /, `curl -sS -o '${body}' -w '%{http_code}' `);
    const until = step.eventually ? Math.min(deadline, Date.now() + 30_000) : 0;
    let result;
    for (;;) {
      result = await run('bash', ['-c', `${prelude}\n${command}`], { env: { ...process.env, TOKEN: tokenText } });
      result.status = Number(result.output.trim().slice(-3));
      if (step.status.includes(result.status) || Date.now() >= until) break;
      await sleep(1000);
    }
    const text = existsSync(body) ? readFileSync(body, 'utf8') : '';
    if (!step.status.includes(result.status)) {
      throw new Error(`README step ${i + 1} (${step.what}) answered ${result.output.trim()} ${text.slice(0, 300)}, want ${step.status.join(' or ')}\n  ${curls[i]}`);
    }
    summary.push(`${step.what}: ${result.status}`);
    log(`${step.what}: ${result.status}`);
  }
}

async function main() {
  ensurePodman(log, { compose: true });
  let baseImage = process.env.BASE_IMAGE;
  let baseTag = process.env.BASE_TAG;
  if (!baseImage) {
    const tag = buildBaseImage({ log });
    [baseImage, baseTag] = [tag.slice(0, tag.lastIndexOf(':')), tag.slice(tag.lastIndexOf(':') + 1)];
  }
  const standIns = ensureStandIns({ log });
  await startPodmanService();
  log(`podman system service on ${socket}`);

  // The README's .env, made the README's way, in a place of its own (a developer's .env stays).
  writeComposeEnv(join(work, '.env'));
  const ports = {};
  for (const variable of Object.keys(HOST_PORTS)) ports[variable] = await freePort();
  // Nothing of this shell's environment may change what the compose files say (env wins over .env).
  const referenced = new Set(
    ['docker-compose.yml', 'tools/containers/compose.ci.yml'].flatMap((f) => [...readFileSync(join(workspaceRoot, f), 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1])),
  );
  composeEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !referenced.has(key)));
  Object.assign(composeEnv, Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), {
    DOCKER_HOST: `unix://${socket}`,
    // docker-compose 1.29 builds through the Docker API (podman's), not a docker CLI.
    COMPOSE_DOCKER_CLI_BUILD: '0',
    DOCKER_BUILDKIT: '0',
    BASE_IMAGE: baseImage,
    BASE_TAG: baseTag,
  });

  let t0 = Date.now();
  composeUp = true;
  log(`docker-compose -p ${project} --profile dev build (images from ${baseImage}:${baseTag})`);
  const build = await compose(['build']);
  if (build.code !== 0) {
    throw new Error(`docker-compose build failed (exit ${build.code}${build.killed ? `, killed after ${BUILD_TIMEOUT_SECONDS} s` : ''}):\n${build.output.split('\n').slice(-40).join('\n')}`);
  }
  summary.push(`images built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  log(summary.at(-1));

  t0 = Date.now();
  deadline = t0 + TIMEOUT_SECONDS * 1000;
  log(`docker-compose -p ${project} --profile dev up -d --build`);
  // `up` waits for the dependencies' health, which needs the health checks run meanwhile.
  let upDone = false;
  const checks = (async () => {
    while (!upDone) {
      await runHealthChecks();
      await sleep(3000);
    }
  })();
  const up = await compose(['up', '-d', '--build', '--no-color']);
  upDone = true;
  await checks;
  if (up.code !== 0) {
    throw new Error(`docker-compose up failed (exit ${up.code}${up.killed ? `, killed after ${TIMEOUT_SECONDS} s` : ''}):\n${up.output.split('\n').slice(-40).join('\n')}`);
  }
  log(`up returned after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  upStarted = t0;
  const names = await waitHealthy();
  for (const app of ['tekton', 'ecr', 'watcher', 'dev-issuer', 'postgres']) {
    const uid = (await podmanAsync(['exec', names[app], 'id', '-u'])).output.trim();
    if (uid === '0') throw new Error(`${app} runs as root inside its container`);
  }
  summary.push(`postgres and nats: ${standIns.postgres === 'stand-in' || standIns.nats === 'stand-in' ? 'stand-ins built here' : 'real images'}; apps, dev-issuer and postgres not root`);
  await readmeFlow(ports);
}

async function teardown(failed) {
  // Past the deadline too: the teardown has 2 minutes of its own.
  const until = Date.now() + 120_000;
  if (composeUp) {
    if (failed) {
      const logs = await compose(['logs', '--no-color', '--tail=25'], { until });
      console.error(logs.output);
    }
    const down = await compose(['down', '-v', '--rmi', 'local', '--remove-orphans'], { until });
    if (down.code !== 0) {
      console.error(`[compose] docker-compose down failed: ${down.output.split('\n').slice(-20).join('\n')}`);
      for (const name of Object.values(await containers({ until }))) await podmanAsync(['rm', '-f', '-t', '0', name], { until });
    } else {
      log('docker-compose down -v: containers, volumes and built images removed');
    }
  }
  if (service && service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  }
  rmSync(work, { recursive: true, force: true });
}

let failed = false;
const t0 = Date.now();
try {
  await main();
} catch (error) {
  console.error(`[compose] FAILED: ${error?.message ?? error}`);
  failed = true;
}
await teardown(failed);
if (!failed) {
  log(`summary (${((Date.now() - t0) / 1000).toFixed(0)} s in all; up to the flow's end ${((Date.now() - upStarted) / 1000).toFixed(0)} s of ${TIMEOUT_SECONDS} s allowed):`);
  for (const line of summary) log(`  ${line}`);
  log("the README's container flow works");
}
process.exit(failed ? 1 : 0);
