// Child processes and clean-up for the benchmark run: every process started here runs in its own
// process group and is stopped on success, on failure, on a step's time-out and on SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set();
const cleanups = [];

export const log = (line) => console.log(`\x1b[1;35mbench  \x1b[0m ${line}`);
export const warn = (line) => console.error(`\x1b[1;33mbench  \x1b[0m ${line}`);

/** Registers an async clean-up (drop a schema, remove a temp dir); run in reverse order at the end. */
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/**
 * Starts a long-running child (an app, a baseline server, etcd). Output is kept (last 40 lines) for
 * error messages, not printed. `ready` (optional) is a RegExp on its output that resolves `child.ready`.
 */
export function startChild(name, command, args, { env = process.env, cwd, ready } = {}) {
  const proc = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const child = { name, proc, pid: proc.pid, exited: false, exitCode: undefined, lines: [] };
  let resolveReady;
  let rejectReady;
  child.ready = new Promise((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  child.ready.catch(() => undefined);
  const onData = (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.trim()) continue;
      child.lines.push(line);
      if (child.lines.length > 40) child.lines.shift();
      if (ready) {
        const m = ready.exec(line);
        if (m) resolveReady(m);
      }
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.on('error', (error) => {
    child.exited = true;
    rejectReady(error);
  });
  proc.on('exit', (code, signal) => {
    child.exited = true;
    child.exitCode = code ?? signal;
    children.delete(child);
    rejectReady(new Error(`${name} exited (${child.exitCode}) before it was ready:\n${child.lines.slice(-15).join('\n')}`));
  });
  children.add(child);
  return child;
}

/** SIGTERM to the child's process group, SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 5000) {
  if (!child || child.exited) return;
  const done = new Promise((r) => child.proc.once('exit', r));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.proc.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/** Stops every child still running and runs the registered clean-ups (each bounded). */
export async function cleanupAll() {
  await Promise.all([...children].map((c) => stopChild(c)));
  for (const fn of cleanups.splice(0).reverse()) {
    await withTimeout(Promise.resolve().then(fn), 15000, 'clean-up').catch((e) => warn(`clean-up failed: ${e?.message ?? e}`));
  }
}

// Last resort: never leave a process group behind.
process.on('exit', () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

/** Resolves with the promise, or rejects after `ms` naming `label`. */
export function withTimeout(promise, ms, label) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label}: no result within ${Math.round(ms / 1000)} s`)), ms);
      timer.unref?.();
    }),
  ]);
}

/** Polls GET url until 200, or throws with the child's last output. */
export async function waitHttpOk(url, child, timeoutMs = 60000, fetchOptions = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child?.exited) throw new Error(`${child.name} exited (${child.exitCode}) before ${url} answered. Last output:\n${child.lines.slice(-20).join('\n')}`);
    try {
      const res = await fetch(url, { ...fetchOptions, signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (error) {
      last = error?.cause?.code ?? error?.message ?? String(error);
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last}).${child ? ` Last output of ${child.name}:\n${child.lines.slice(-20).join('\n')}` : ''}`);
}

/** Resident set size of a process in MiB (VmRSS from /proc), or NaN when it is gone. */
/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
