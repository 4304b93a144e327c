import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HealthRegistry, LOGGER, type Logger } from '@kaa/observability';
import { WATCHER_ENV, type WatcherEnv } from '../config/env.js';
import { issueCertificate } from '../pki/certificates.js';
import type { CertificateAuthority } from '../pki/certificate-authority.entity.js';
import { CertificateAuthorityService } from '../pki/certificate-authority.service.js';
import { EventRequestHandler } from './event-request.handler.js';
import { TrustStore } from './trust-store.js';

const SERVER_CERT_DAYS = 90;
const SERVER_CERT_RENEW_MS = 30 * 24 * 3600 * 1000;

interface TlsMaterial {
  key: string;
  cert: string;
  ca: string[];
}

/**
 * The mutual-TLS listener on LISTENER_PORT, separate from the REST port. Client certificates are
 * requested and checked against the CA bundle; the TLS context is swapped in place
 * (`setSecureContext`) after a CA rotation, at the end of a grace period and before the server
 * certificate expires. Unverified connections are answered 401 by the handler (not cut during the
 * handshake) so that a trusted proxy can connect without a client certificate of its own.
 */
@Injectable()
export class ListenerServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private bundleKey = '';
  private serverCertIssuedAt = 0;
  private unsubscribe?: () => void;

  constructor(
    private readonly ca: CertificateAuthorityService,
    private readonly handler: EventRequestHandler,
    private readonly trust: TrustStore,
    private readonly health: HealthRegistry,
    @Inject(WATCHER_ENV) private readonly env: WatcherEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The bound port (useful with LISTENER_PORT=0). */
  port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the listener is not running');
    return address.port;
  }

  async onApplicationBootstrap() {
    await this.ca.onModuleInit();
    const material = await this.material(await this.ca.trusted());
    const server = createServer({ ...material, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => {
      void this.handler.handle(req, res);
    });
    server.headersTimeout = 60_000;
    server.requestTimeout = 60_000;
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.env.LISTENER_PORT, this.env.LISTENER_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('tlsClientError', (error) => this.logger.debug({ err: error.message }, 'TLS handshake failed'));
    this.server = server;
    this.logger.info({ port: this.port(), host: this.env.LISTENER_HOST }, 'watch event listener (mTLS) started');
    this.unsubscribe = this.ca.onChange(() => this.refresh(true));
    this.timer = setInterval(() => void this.refresh(false), this.env.LISTENER_REFRESH_SECONDS * 1000);
    this.timer.unref();
    this.health.register({
      name: 'listener',
      check: async () => {
        if (!this.server?.listening) throw new Error('the mTLS listener is not listening');
      },
    });
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    this.unsubscribe?.();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  /** Re-reads the bundle; rebuilds the TLS context when it changed or the server certificate ages. */
  async refresh(force: boolean): Promise<void> {
    const server = this.server;
    if (!server) return;
    try {
      const trusted = await this.ca.trusted();
      const key = trusted.map((ca) => ca.certificatePem).join('\n');
      if (!force && key === this.bundleKey && Date.now() - this.serverCertIssuedAt < SERVER_CERT_RENEW_MS) return;
      server.setSecureContext(await this.material(trusted));
      this.logger.info({ authorities: trusted.length }, 'listener TLS context refreshed');
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'listener TLS refresh failed');
    }
  }

  /** TLS material for the CAs trusted now (read once per refresh by the caller). */
  private async material(trusted: readonly CertificateAuthority[]): Promise<TlsMaterial> {
    const pems = trusted.map((ca) => ca.certificatePem);
    const authority = await this.ca.serverAuthority(trusted);
    const hostnames = [...new Set(['localhost', '127.0.0.1', ...this.env.LISTENER_HOSTNAMES])];
    const issued = await issueCertificate(authority, { commonName: 'kaa-watcher-listener', altNames: hostnames, usage: 'server', validityDays: SERVER_CERT_DAYS });
    this.trust.set(pems);
    this.bundleKey = pems.join('\n');
    this.serverCertIssuedAt = Date.now();
    return { key: issued.privateKeyPem, cert: issued.certificatePem, ca: pems };
  }
}
