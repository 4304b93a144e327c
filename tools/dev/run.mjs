// Small process helpers shared by start.mjs and test.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// No imports from node_modules here: this module must load before `npm install` has run.
export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Node flags every app runs with (app-node-flags.json): here (npm start), in the benchmarks and
 * in the images, whose Dockerfiles spell them out (tools/test/containers.int-spec.ts checks that
 * they agree). At most 4 MB per young-generation semi-space instead of V8's 16 MB keeps an idle
 * service about 30 MB smaller; request garbage is short-lived, so scavenges stay cheap.
 */
export const APP_NODE_FLAGS = JSON.parse(readFileSync(join(workspaceRoot, 'tools/dev/app-node-flags.json'), 'utf8'));

const children = new Set();

/** Runs a command with inherited stdio; resolves with its exit code (128+n for a signal). */
export function run(command, args, { env = process.env, cwd = workspaceRoot } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    children.add(child);
    child.on('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      resolveRun(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15));
    });
  });
}

/** Forwards a signal to the commands started with run() (they share our process group anyway). */
export function signalRunning(signal) {
  for (const child of children) child.kill(signal);
}

/** `npm install` when node_modules is missing (fresh clone). */
export async function ensureDependencies(log = console.log) {
  if (existsSync(join(workspaceRoot, 'node_modules', '.package-lock.json'))) return;
  log('node_modules is missing: running npm install --no-audit --no-fund');
  const code = await run('npm', ['install', '--no-audit', '--no-fund']);
  if (code !== 0) throw new Error(`npm install failed (exit ${code})`);
}

export const nxEnv = (env = process.env) => ({ ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' });
