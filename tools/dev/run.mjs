// Small process helpers shared by start.mjs and test.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// No imports from node_modules here: this module must load before `npm install` has run.
export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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
