// Every example in the READMEs and every call `npm start` prints is run here, against a stack
// started the way `npm start` starts it (tools/dev/start.mjs on the built apps, the dev issuer's
// TOKEN), on private ports, a private nats-server and a fresh database. Each call must answer
// what the README says next to it (rules: readme-examples.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { NatsServerProcess, testDatabaseUrl, uniqueName } from '@kaa/testing';
import { extract, PRELUDE, type Expectation } from './readme-examples.js';
import { launch, printedToken, root, stackEnv, stackPorts, type RunningStack, type StackPorts } from './stack.js';

const READMES = ['README.md', 'apps/tekton/README.md', 'apps/ecr/README.md', 'apps/watcher/README.md'];

let nats: NatsServerProcess;
let database: string;
let databaseUrl: string;
let ports: StackPorts;
let stack: RunningStack;
let output: string;
let token: string;
const sandbox = mkdtempSync(join(tmpdir(), 'kaa-docs-'));

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The README's default ports become this stack's private ones. */
function privatePorts(text: string): string {
  const map: Record<string, number> = { '8081': ports.tekton, '8082': ports.ecr, '8083': ports.watcher, '8443': ports.listener, '8090': ports.issuer };
  return text.replace(/\b(localhost|127\.0\.0\.1):(8081|8082|8083|8443|8090)\b/g, (_, host: string, port: string) => `${host}:${map[port]}`);
}

/** Runs one block in the sandbox (a cwd with the repository's files linked in) and returns what it recorded. */
function runBlock(script: string, expectations: Expectation[]) {
  const out = mkdtempSync(join(sandbox, 'out-'));
  const result = spawnSync('bash', ['-c', `${PRELUDE}\n${script}`], {
    cwd: join(sandbox, 'cwd'),
    env: { ...process.env, TOKEN: token, NATS_URL: nats.url, KAA_DOCS_OUT: out, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  let results: string[] = [];
  try {
    results = readFileSync(join(out, 'results'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    /* nothing recorded */
  }
  const answers = results.map((line) => {
    const [kind, index, status] = line.split('\t');
    const expectation = expectations[Number(index)];
    if (kind === 'curl') return { where: expectation.where, said: expectation.status, got: status };
    const text = readFileSync(join(out, `out-${index}`), 'utf8');
    const statusSeen = new RegExp(`(^|status )${expectation.status}\\b`, 'm').test(text);
    const missing = expectation.parts.filter((part) => !text.includes(part));
    return { where: expectation.where, said: [expectation.status, ...expectation.parts].join(', '), got: statusSeen && missing.length === 0 ? [expectation.status, ...expectation.parts].join(', ') : text.trim() };
  });
  return { code: result.status, stderr: result.stderr, stdout: result.stdout, answers };
}

beforeAll(async () => {
  mkdirSync(join(sandbox, 'cwd'));
  for (const name of ['package.json', 'node_modules', 'tools', 'libs', 'apps']) symlinkSync(join(root, name), join(sandbox, 'cwd', name));
  nats = await NatsServerProcess.start();
  database = uniqueName('kaa_docs').replace(/-/g, '_');
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  databaseUrl = url.toString();
  ports = await stackPorts();
  stack = launch(process.execPath, ['tools/dev/start.mjs', '--no-build'], stackEnv(ports, join(sandbox, 'data'), { DATABASE_URL: databaseUrl, NATS_URL: nats.url }));
  output = await stack.ready;
  token = printedToken(output);
}, 90_000);

afterAll(async () => {
  if (stack && stack.child.exitCode === null) {
    process.kill(stack.child.pid!, 'SIGTERM');
    await stack.exited;
  }
  await nats?.stop();
  if (database) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  rmSync(sandbox, { recursive: true, force: true });
}, 60_000);

/** Printed commands and the status the comment above each says they answer. */
function printedCalls(text: string) {
  const lines = text.split('\n');
  const calls: { command: string; said: string; where: string }[] = [];
  lines.forEach((line, i) => {
    if (!/^\s+(curl |NATS_URL=\S+ npm run )/.test(line)) return;
    const said = /answers (?:status )?(\d{3})/.exec(lines[i - 1] ?? '')?.[1];
    calls.push({ command: line.trim(), said: said ?? '(nothing)', where: `printed line ${i + 1}` });
  });
  return calls;
}

describe('the README examples and what npm start prints', () => {
  it('every code fence names its language, and every runnable curl states its status', () => {
    const problems = READMES.flatMap((file) => extract(file, readFileSync(join(root, file), 'utf8')).problems);
    expect(problems).toEqual([]);
  });

  it('every URL npm start prints answers 200 (docs, OpenAPI JSON, health, metrics)', async () => {
    const urls = [...output.matchAll(/(?:docs|JSON|health|metrics) (http:\/\/\S+?)\)?(?=\s)/g)].map((m) => m[1]);
    expect(urls.length).toBe(12);
    for (const url of urls) expect(`${url} ${(await fetch(url)).status}`).toBe(`${url} 200`);
  });

  it('every curl npm start prints answers as the line above it says', () => {
    const calls = printedCalls(output).filter((c) => c.command.startsWith('curl '));
    expect(calls.length).toBe(4);
    for (const call of calls) {
      const script = `__curl ${call.said} 0 ${call.command.replace(/^curl\s+/, '')}`;
      const { answers } = runBlock(script, [{ where: call.where, kind: 'curl', status: call.said, parts: [] }]);
      expect({ call: call.command.slice(0, 60), answers }).toEqual({ call: call.command.slice(0, 60), answers: [{ where: call.where, said: call.said, got: call.said }] });
    }
  });

  it.each(READMES)('%s: its examples answer what it says', (file) => {
    const { blocks, expectations } = extract(file, readFileSync(join(root, file), 'utf8'), privatePorts);
    for (const block of blocks) {
      const { code, stderr, answers } = runBlock(block.script, expectations);
      const said = answers.map((a) => ({ where: a.where, said: a.said }));
      expect({ block: block.where, code, answers }).toEqual({ block: block.where, code: 0, answers: said.map((a) => ({ ...a, got: a.said })) });
      if (code !== 0) throw new Error(stderr);
    }
  });

  it('the cdtp-pull line npm start prints answers as it says, after the examples', () => {
    const [call] = printedCalls(output).filter((c) => c.command.includes('npm run cdtp-pull'));
    expect(call.said).toBe('200');
    const { code, stdout, stderr } = runBlock(call.command, []);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^status 200 OK$/m);
    expect(stdout).toContain('config {"reportingInterval":30}');
  });

  it('rerunning the watcher README flow keeps the runtime credentials (409 writes nothing over them)', () => {
    const { blocks } = extract('apps/watcher/README.md', readFileSync(join(root, 'apps/watcher/README.md'), 'utf8'), privatePorts);
    const file = join(sandbox, 'cwd', '.data', 'runtime.json');
    const before = readFileSync(file, 'utf8');
    expect(JSON.parse(before).certificate).toMatch(/BEGIN CERTIFICATE/);
    const register = blocks[0].script.replace(/^__curl 201 /m, '__curl 409 ');
    const { answers } = runBlock(register.split('\n__curl 201')[0], extract('apps/watcher/README.md', readFileSync(join(root, 'apps/watcher/README.md'), 'utf8')).expectations);
    expect(answers[0]?.got).toBe('409');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
