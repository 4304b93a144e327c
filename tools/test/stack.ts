// Starts tools/dev/start.mjs (what `npm start` runs) on private ports and a private data dir, for
// the docs and start-script tests. Needs the built apps and libs (npm test builds first).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../dev/services.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackPorts {
  tekton: number;
  ecr: number;
  watcher: number;
  listener: number;
  issuer: number;
}

export async function stackPorts(): Promise<StackPorts> {
  return { tekton: await freePort(), ecr: await freePort(), watcher: await freePort(), listener: await freePort(), issuer: await freePort() };
}

export function stackEnv(ports: StackPorts, dataDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEKTON_PORT: String(ports.tekton),
    ECR_PORT: String(ports.ecr),
    WATCHER_PORT: String(ports.watcher),
    WATCHER_LISTENER_PORT: String(ports.listener),
    DEV_ISSUER_PORT: String(ports.issuer),
    KAA_DATA_DIR: dataDir,
    NO_COLOR: '1',
    LOG_LEVEL: 'warn',
    ...extra,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

export interface RunningStack {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the output once `npm start`'s closing line was printed. */
  ready: Promise<string>;
  exited: Promise<number | null>;
}

/** Runs `command args` (start.mjs, or npm running it) and follows its output. */
export function launch(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): RunningStack {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up within ${timeoutMs} ms:\n${text}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('Ctrl-C stops everything started here.')) {
        clearTimeout(timer);
        resolve(text);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was up:\n${text}`));
    });
  });
  ready.catch(() => undefined);
  return { child, output: () => text, ready, exited };
}

/** The `export TOKEN=...` value npm start printed. */
export function printedToken(output: string): string {
  const match = /^export TOKEN=(\S+)$/m.exec(output);
  if (!match) throw new Error(`npm start printed no export TOKEN line:\n${output}`);
  return match[1];
}
