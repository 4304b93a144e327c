import { connect as tcpConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

const DEFAULT_PORTS: Record<string, number> = { 'nats:': 4222, 'postgres:': 5432, 'postgresql:': 5432 };

/**
 * A TCP relay in front of a real server (NATS, Postgres) that a test can cut and restore, so a
 * service loses (and regains) that dependency while everything else keeps running.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstream: URL) {}

  /** A proxy in front of the server `upstreamUrl` names (`nats://…`, `postgres://…`). */
  static async start(upstreamUrl: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(new URL(upstreamUrl));
    await proxy.up();
    return proxy;
  }

  /** The upstream URL (credentials, database, query) with the proxy's address in place of the server's. */
  get url(): string {
    const url = new URL(this.upstream.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href.replace(/\/$/, '');
  }

  async up(): Promise<void> {
    const upstreamPort = Number(this.upstream.port || DEFAULT_PORTS[this.upstream.protocol]);
    const server = createServer((client) => {
      const upstream = tcpConnect(upstreamPort, this.upstream.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Drops every connection and refuses new ones until {@link up}. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
