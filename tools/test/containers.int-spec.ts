// The container definitions: every app has a multi-stage, non-root Dockerfile with a health check,
// docker-compose.yml passes the compose-spec schema and linters, and the linters do reject bad files.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The Node flags every app runs with (also used by npm start and the benchmarks). */
const appNodeFlags: string[] = JSON.parse(readFileSync(join(root, 'tools/dev/app-node-flags.json'), 'utf8'));
const apps = readdirSync(join(root, 'apps'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'apps', d.name, 'package.json')))
  .map((d) => d.name);

interface Result {
  code: number;
  output: string;
}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: root, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

// require-project-name-field is off: a top-level `name` is rejected by docker-compose v1 (Debian's).
const dclint = (file: string) =>
  exec(join(root, 'node_modules/.bin/dclint'), [file, '--max-warnings', '0', '--color', 'false', '--disable-rule', 'require-project-name-field']);
const dockerfilelint = (file: string) => exec(join(root, 'node_modules/.bin/dockerfilelint'), [file]);

const onPath = (binary: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));
const itWithDockerCompose = onPath('docker-compose') ? it : it.skip;
// The variables docker-compose.yml requires (`${VAR:?}`) so that `config` can interpolate it.
const composeEnv = {
  ...process.env,
  SECRETS_ENCRYPTION_KEY: 'x'.repeat(32),
  WATCHER_CA_KEY_SECRET: 'y'.repeat(32),
  KAA_ECR_CLIENT_SECRET: 'secret',
  DEV_CLIENT_SECRET: 'dev-secret',
  POSTGRES_PASSWORD: 'pg-password',
  ...Object.fromEntries(['TEKTON', 'ECR', 'WATCHER', 'DELIVERY', 'LIFECYCLE', 'ADMIN'].map((user) => [`NATS_${user}_PASSWORD`, `${user.toLowerCase()}-password`])),
};
/** The environment without anything docker-compose.yml interpolates (a new user's shell). */
const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !new RegExp(`\\$\\{${key}[:?}-]`).test(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))),
);
/** `127.0.0.1:<host port>:<container port>`, the host port literal or a variable with a literal default. */
const LOOPBACK_PORT = /^127\.0\.0\.1:(\d+|\$\{[A-Z_]+:-\d+\}):\d+$/;

const BAD_COMPOSE = `services:
  tekton:
    image: kaa/tekton
    ports: "8081:8081"
`;

/** The structural rules for an app's Dockerfile; returns the problems found. */
function dockerfileProblems(text: string, app: string): string[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const problems: string[] = [];
  const froms = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^FROM\s/i.test(l));
  if (froms.length < 2) problems.push('not a multi-stage build (needs at least two FROM)');
  if (!froms.slice(0, -1).some(({ l }) => /\sAS\s+\S+/i.test(l))) problems.push('no named build stage (FROM ... AS build)');
  const finalStage = lines.slice(froms.at(-1)?.i ?? 0);
  if (!finalStage.some((l) => /^COPY\s+--from=/i.test(l))) problems.push('final stage copies nothing from the build stage');
  const user = finalStage.filter((l) => /^USER\s/i.test(l)).at(-1);
  if (!user) problems.push('final stage has no USER');
  else if (/^USER\s+(root|0)(:|\s|$)/i.test(user)) problems.push(`final stage runs as root (${user})`);
  const healthcheck = finalStage.find((l) => /^HEALTHCHECK\s/i.test(l));
  if (!healthcheck) problems.push('final stage has no HEALTHCHECK');
  else if (!healthcheck.includes('/health')) problems.push('HEALTHCHECK does not call /health');
  if (!finalStage.some((l) => /^EXPOSE\s+\d+/i.test(l))) problems.push('no EXPOSE');
  if (!finalStage.some((l) => /^ENV\s.*NODE_ENV=production/i.test(l))) problems.push('NODE_ENV is not production');
  const cmd = finalStage.filter((l) => /^CMD\s/i.test(l)).at(-1);
  const expected = ['node', ...appNodeFlags, `apps/${app}/dist/main.js`];
  if (cmd?.replace(/\s+/g, '') !== `CMD${JSON.stringify(expected)}`) problems.push(`CMD is not ${JSON.stringify(expected)} (got ${cmd})`);
  return problems;
}

describe('Dockerfiles', () => {
  it('finds the three apps', () => {
    expect(apps).toEqual(expect.arrayContaining(['tekton', 'ecr', 'watcher']));
  });

  it.each(apps)('apps/%s/Dockerfile exists, is multi-stage, non-root, health-checked and starts the built app', (app) => {
    const file = join(root, 'apps', app, 'Dockerfile');
    expect(existsSync(file)).toBe(true);
    expect(dockerfileProblems(readFileSync(file, 'utf8'), app)).toEqual([]);
  });

  it.each(apps)('npm run start:%s runs the built app with the same Node flags as its image', (app) => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts[`start:${app}`]).toBe(['node', ...appNodeFlags, `apps/${app}/dist/main.js`].join(' '));
  });

  it('the structural rules catch a single-stage root image without a health check', () => {
    const bad = 'FROM node:20\nCOPY . .\nRUN npm install\nCMD ["node", "main.js"]\n';
    expect(dockerfileProblems(bad, 'tekton')).toEqual(
      expect.arrayContaining([
        'not a multi-stage build (needs at least two FROM)',
        'final stage has no USER',
        'final stage has no HEALTHCHECK',
        'no EXPOSE',
      ]),
    );
    const asRoot = readFileSync(join(root, 'apps', apps[0], 'Dockerfile'), 'utf8').replace(/^USER .*$/m, 'USER root');
    expect(dockerfileProblems(asRoot, apps[0])).toContain('final stage runs as root (USER root)');
  });

  it.each(apps)('dockerfilelint accepts apps/%s/Dockerfile', async (app) => {
    const result = await dockerfilelint(join('apps', app, 'Dockerfile'));
    expect(result.output).toContain('Issues: None found');
    expect(result.code).toBe(0);
  });

  it('the dev issuer image (tools/containers/dev-issuer.Dockerfile) shares the apps\' build stage line for line, runs as non-root and is health-checked', async () => {
    const stage = (file: string) => {
      const text = readFileSync(join(root, file), 'utf8');
      return text.slice(text.indexOf('ARG BASE_IMAGE'), text.indexOf('# ---- runtime'));
    };
    const issuer = stage('tools/containers/dev-issuer.Dockerfile');
    expect(issuer).toContain('libs/testing/tsconfig.build.json');
    for (const app of apps) expect({ app, stage: stage(join('apps', app, 'Dockerfile')) }).toEqual({ app, stage: issuer });
    const text = readFileSync(join(root, 'tools/containers/dev-issuer.Dockerfile'), 'utf8');
    // The apps' rules, but it starts tools/containers/dev-issuer.mjs and its health is GET /tenants.
    const problems = dockerfileProblems(text, 'dev-issuer').filter((p) => !p.startsWith('CMD is not') && p !== 'HEALTHCHECK does not call /health');
    expect(problems).toEqual([]);
    expect(text).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/tenants/m);
    expect(text).toMatch(/^CMD \["node", "tools\/containers\/dev-issuer\.mjs"\]$/m);
    const result = await dockerfilelint('tools/containers/dev-issuer.Dockerfile');
    expect(result.output).toContain('Issues: None found');
  });

  it('dockerfilelint rejects a broken Dockerfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaa-dockerfile-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM node:20-bookworm-slim\nRUN apt-get install curl\nEXPOSE 80000\nCOPYY . .\n');
      const result = await dockerfilelint(join(dir, 'Dockerfile'));
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/Invalid Command/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('.dockerignore keeps dependencies, outputs, local data and git out of the build context', () => {
    const entries = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/^\*\*\//, ''));
    expect(entries).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', '.nx', '.git']));
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { build?: { context: string; dockerfile: string }; image?: string; command?: string[]; volumes?: string[]; healthcheck?: unknown; ports?: string[]; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }>;
  };

  it('dclint finds no errors and no warnings', async () => {
    const result = await dclint('docker-compose.yml');
    expect(result.output.trim()).toBe('');
    expect(result.code).toBe(0);
  });

  it('dclint rejects an invalid compose file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaa-compose-'));
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), BAD_COMPOSE);
      const result = await dclint(join(dir, 'docker-compose.yml'));
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/ports.*must be array/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['deploy/compose.infra-ports.yml', 'tools/containers/compose.ci.yml'])('dclint finds no errors and no warnings in %s', async (file) => {
    const result = await dclint(file);
    expect(result.output.trim()).toBe('');
    expect(result.code).toBe(0);
  });

  itWithDockerCompose('docker-compose config accepts it and rejects an invalid file', async () => {
    expect(await exec('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], composeEnv)).toEqual({ code: 0, output: '' });
    for (const extra of ['deploy/compose.infra-ports.yml', 'tools/containers/compose.ci.yml']) {
      const env = { ...composeEnv, BASE_IMAGE: 'localhost/node', BASE_TAG: '22' };
      expect(await exec('docker-compose', ['-f', 'docker-compose.yml', '-f', extra, '--profile', 'dev', 'config', '-q'], env)).toEqual({ code: 0, output: '' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'kaa-compose-'));
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), BAD_COMPOSE);
      const result = await exec('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'config', '-q'], composeEnv);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/ports/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs postgres, nats with JetStream and every app built from its own Dockerfile', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:16/);
    expect(JSON.stringify(compose.services.nats)).toContain('-js');
    for (const app of apps) {
      const service = compose.services[app];
      expect(service?.build).toEqual({ context: '.', dockerfile: `apps/${app}/Dockerfile` });
      expect(service.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(service.environment?.NATS_URL).toBe('nats://nats:4222');
      expect(service.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      expect(service.depends_on?.nats).toEqual({ condition: 'service_healthy' });
    }
  });

  it('runs nats with the deployed users and gives every app its own NATS user', () => {
    expect(compose.services.nats.command).toEqual(expect.arrayContaining(['-c', '/etc/nats/kaa/nats-server.conf']));
    expect(compose.services.nats.volumes).toContain('./deploy/nats:/etc/nats/kaa:ro');
    for (const app of apps) {
      expect(compose.services[app].environment?.NATS_USER).toBe(app);
      expect(compose.services[app].environment?.NATS_PASSWORD).toMatch(new RegExp(`^\\$\\{NATS_${app.toUpperCase()}_PASSWORD:\\?`));
    }
  });

  it('health-checks every service and publishes ports on 127.0.0.1 only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, healthcheck: Boolean(service.healthcheck) }).toEqual({ name, healthcheck: true });
      for (const port of service.ports ?? []) expect(port).toMatch(LOOPBACK_PORT);
    }
    expect('0.0.0.0:8081:8081').not.toMatch(LOOPBACK_PORT);
    expect('${TEKTON_HOST_PORT:-8081}:8081').not.toMatch(LOOPBACK_PORT);
  });

  it('health check commands keep every argument free of spaces (podman\'s Docker API re-splits them at spaces)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const test = (service.healthcheck as { test: string[] }).test;
      const args = test[0] === 'CMD-SHELL' ? [] : test.slice(1);
      expect({ name, spaced: args.filter((arg) => /\s/.test(arg)) }).toEqual({ name, spaced: [] });
    }
  });

  it('publishes no Postgres or NATS port unless deploy/compose.infra-ports.yml is added (on 127.0.0.1 then)', () => {
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(compose.services.nats.ports).toBeUndefined();
    const infra = parse(readFileSync(join(root, 'deploy/compose.infra-ports.yml'), 'utf8')) as { services: Record<string, { ports: string[] }> };
    expect(Object.keys(infra.services).sort()).toEqual(['nats', 'postgres']);
    expect(infra.services.postgres.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\$\{POSTGRES_HOST_PORT:-5432\}:5432$/)]);
    expect(infra.services.nats.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\$\{NATS_HOST_PORT:-4222\}:4222$/)]);
  });

  it('has the development issuer in profile dev only, and by default the apps take their tenants and ECR its token from it', () => {
    const issuer = compose.services['dev-issuer'] as (typeof compose.services)[string] & { profiles?: string[] };
    expect(issuer.profiles).toEqual(['dev']);
    expect(issuer.build).toEqual({ context: '.', dockerfile: 'tools/containers/dev-issuer.Dockerfile' });
    expect(issuer.environment?.DEV_ISSUER_URL).toBe('http://dev-issuer:8090');
    expect(issuer.environment?.DEV_ISSUER_TENANTS).toBe('demo,acme,kaa');
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'dev-issuer') expect({ name, profiles: (service as { profiles?: string[] }).profiles }).toEqual({ name, profiles: undefined });
    }
    for (const app of apps) {
      // `-` without `:`: TENANT_MANAGER_URL= (empty) in .env switches to TENANTS_FILE.
      expect(compose.services[app].environment?.TENANT_MANAGER_URL).toBe('${TENANT_MANAGER_URL-http://dev-issuer:8090}');
      expect(compose.services[app].environment?.TENANTS_FILE).toBe('${TENANTS_FILE-}');
    }
    expect(compose.services.ecr.environment?.TOKEN_URL).toBe('${KAA_TOKEN_URL:-http://dev-issuer:8090/realms/kaa/protocol/openid-connect/token}');
    expect(compose.services.ecr.environment?.CLIENT_SECRET).toMatch(/^\$\{KAA_ECR_CLIENT_SECRET:\?/);
    expect(issuer.environment?.KAA_ECR_CLIENT_SECRET).toMatch(/^\$\{KAA_ECR_CLIENT_SECRET:\?/);
  });

  itWithDockerCompose('a new user: without .env compose names what is missing; with the .env of compose-env.mjs it is complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaa-compose-env-'));
    try {
      const envFile = join(dir, '.env');
      const args = ['--env-file', envFile, '-f', 'docker-compose.yml', '--profile', 'dev', 'config', '-q'];
      writeFileSync(envFile, '');
      const missing = await exec('docker-compose', args, bareEnv);
      expect(missing.code).not.toBe(0);
      expect(missing.output).toMatch(/set [A-Z_]+/);
      const made = await exec(process.execPath, [join(root, 'tools/containers/compose-env.mjs'), '--file', envFile], bareEnv);
      expect(made.code).toBe(0);
      expect(await exec('docker-compose', args, bareEnv)).toEqual({ code: 0, output: '' });
      // Again: nothing changes (a volume keeps the password it was made with).
      const before = readFileSync(envFile, 'utf8');
      expect((await exec(process.execPath, [join(root, 'tools/containers/compose-env.mjs'), '--file', envFile], bareEnv)).output).toMatch(/every secret is already set/);
      expect(readFileSync(envFile, 'utf8')).toBe(before);
      // Every password starts with a letter (nats-server reads a numeric-looking one as a number).
      for (const line of before.split('\n').filter((l) => /^[A-Z_]+=/.test(l))) expect(line).toMatch(/^[A-Z_]+=[a-z]+-[0-9a-f]{48}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
