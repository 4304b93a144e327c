import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as natsConnect } from '@nats-io/transport-node';
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

/** What a fault test does to a server: stop it (SIGTERM, SIGKILL), or hang it and then kill it. */
export type NatsFault = 'SIGTERM' | 'SIGKILL' | 'hang';

export interface NatsServerOptions {
  /** A nats-server configuration file (e.g. deploy/nats/nats-server.conf); the command line sets address, port and store. */
  configFile?: string;
  /** Extra environment, e.g. the passwords the configuration file refers to as `$VAR`. */
  env?: Record<string, string>;
  /**
   * Log every protocol line the server reads (`-V`), payloads included, into `trace`. The server
   * writes a PUB's line before it answers the PING behind it, and what it wrote survives SIGKILL:
   * a record of exactly what it received.
   */
  trace?: boolean;
}

/**
 * A private nats-server with JetStream on its own port, for tests that stop and restart NATS
 * (the shared server must keep running for everyone else).
 */
export class NatsServerProcess {
  private child?: ChildProcess;
  // Removed when the process exits, not on stop(): resume() starts again on the same store.
  private readonly storeDir = removeOnExit(mkdtempSync(join(tmpdir(), 'kaa-nats-')));
  private readonly traced: string[] = [];

  private constructor(
    readonly port: number,
    private readonly options: NatsServerOptions,
  ) {}

  static async start(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const server = new NatsServerProcess(await freePort(), options);
    await server.resume();
    return server;
  }

  /** Everything the server logged so far, across restarts (with `trace`). */
  get trace(): string {
    return this.traced.join('');
  }

  /**
   * The payloads (headers included, quoted as the server logs them) of every message the server
   * received so far, in the order it received them (with `trace`).
   */
  receivedPayloads(): string[] {
    return this.trace
      .split('\n')
      .filter((line) => line.includes('<<- MSG_PAYLOAD: '))
      .map((line) => line.slice(line.indexOf('<<- MSG_PAYLOAD: ') + '<<- MSG_PAYLOAD: '.length));
  }

  /**
   * Resolves once the trace holds everything the server received before now: a marker published
   * and flushed now must be in it.
   */
  async traceCaughtUp(): Promise<void> {
    const marker = `trace-marker-${process.hrtime.bigint()}`;
    const nc = await natsConnect({ servers: this.url });
    try {
      nc.publish('kaa-test.trace-marker', marker);
      await nc.flush();
    } finally {
      await nc.close();
    }
    const deadline = Date.now() + 5000;
    while (!this.trace.includes(marker)) {
      if (Date.now() > deadline) throw new Error('the nats-server trace did not catch up within 5000 ms');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and store, so clients reconnect to it. */
  async resume(): Promise<void> {
    if (this.child) return;
    const config = this.options.configFile ? ['-c', this.options.configFile] : [];
    const trace = this.options.trace ? ['-V'] : [];
    const child = spawn(natsServerBinary(), [...config, '-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, ...trace], {
      stdio: ['ignore', 'ignore', this.options.trace ? 'pipe' : 'ignore'],
      env: { ...process.env, ...this.options.env },
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.traced.push(chunk);
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitForPort(this.port, 20_000);
  }

  /** Stops the server: SIGTERM lets it close its connections, SIGKILL does not. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill(signal);
    });
  }

  /** Freezes the server (SIGSTOP): its connections stay open and nothing answers, as with a hung node. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /**
   * One fault of the fault tests, then the server back on its port and store: a stop by signal,
   * or a hang (frozen for 1 s, then killed), with the server down for `downMs`.
   */
  async strike(fault: NatsFault, downMs = 100): Promise<void> {
    if (fault === 'hang') {
      this.freeze();
      await new Promise((r) => setTimeout(r, 1000));
      await this.stop('SIGKILL');
    } else {
      await this.stop(fault);
    }
    await new Promise((r) => setTimeout(r, downMs));
    await this.resume();
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.storeDir, { recursive: true, force: true });
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
