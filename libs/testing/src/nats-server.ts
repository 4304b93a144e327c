import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit } from './test-env.js';

/** Finds nats-server on PATH or in /usr/sbin (Debian's package). */
export function natsServerBinary(): string {
  const candidates = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'].map((dir) => join(dir, 'nats-server'));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('nats-server not found on PATH or in /usr/sbin (npm test installs it with apt-get when missing)');
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface NatsServerOptions {
  /** A nats-server configuration file (e.g. deploy/nats/nats-server.conf); the command line sets address, port and store. */
  configFile?: string;
  /** Extra environment, e.g. the passwords the configuration file refers to as `$VAR`. */
  env?: Record<string, string>;
}

/**
 * A private nats-server with JetStream on its own port, for tests that stop and restart NATS
 * (the shared server must keep running for everyone else).
 */
export class NatsServerProcess {
  private child?: ChildProcess;
  // Removed when the process exits, not on stop(): resume() starts again on the same store.
  private readonly storeDir = removeOnExit(mkdtempSync(join(tmpdir(), 'kaa-nats-')));

  private constructor(
    readonly port: number,
    private readonly options: NatsServerOptions,
  ) {}

  static async start(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const server = new NatsServerProcess(await freePort(), options);
    await server.resume();
    return server;
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and store, so clients reconnect to it. */
  async resume(): Promise<void> {
    if (this.child) return;
    const config = this.options.configFile ? ['-c', this.options.configFile] : [];
    const child = spawn(natsServerBinary(), [...config, '-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: 'ignore',
      env: { ...process.env, ...this.options.env },
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitForPort(this.port, 5000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

async function waitForPort(port: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
