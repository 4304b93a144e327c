import { X509Certificate, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Inject, Injectable } from '@nestjs/common';
import { CORRELATION_HEADER, LOGGER, MetricsService, runWithCorrelation, type Logger } from '@kaa/observability';
import { RETRY_AFTER_SECONDS, unavailableDependency, unavailableMessage } from '@kaa/server';
import { WATCHER_ENV, type WatcherEnv } from '../config/env.js';
import { WatcherMetrics } from '../messaging/watcher-metrics.js';
import { chainsTo } from './client-certificate.js';
import { TrustStore } from './trust-store.js';
import { MalformedEventError, MAX_BODY_BYTES, parseWatchEventBody } from './watch-event-body.js';
import { ListenerRefusal, WatchEventService } from './watch-event.service.js';
import { certificateFromXfcc } from './xfcc.js';

const ROUTE = /^\/v2\/([^/]+)\/event\/?$/;
const XFCC_HEADER = 'x-forwarded-client-cert';

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same peer. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** `POST /v2/{component}/event` on the mutual-TLS listener. Every answer is explicit JSON. */
@Injectable()
export class EventRequestHandler {
  private readonly trustedProxies: Set<string>;

  constructor(
    private readonly events: WatchEventService,
    private readonly trust: TrustStore,
    private readonly metrics: WatcherMetrics,
    private readonly platformMetrics: MetricsService,
    @Inject(WATCHER_ENV) env: WatcherEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.trustedProxies = new Set(env.TRUSTED_PROXIES.map(normalizeAddress));
  }

  /**
   * A TLS connection's certificate is fixed at its handshake: parse it once per connection
   * (keep-alive senders post many events on one). Revocation is still checked per event; expiry
   * per event too, and the chain again whenever the trust bundle changed since it was verified
   * (end of a CA grace period), so a long-lived connection cannot outlive either.
   */
  private readonly peerCertificates = new WeakMap<TLSSocket, VerifiedPeer>();

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const header = req.headers[CORRELATION_HEADER];
    const correlationId = typeof header === 'string' && header.length > 0 && header.length <= 128 ? header : randomUUID();
    return runWithCorrelation(correlationId, async () => {
      try {
        const result = await this.process(req, correlationId);
        this.metrics.outcome(result.duplicate ? 'duplicate' : 'accepted');
        send(res, 200, { status: 'accepted', eventId: result.eventId, duplicate: result.duplicate });
      } catch (error) {
        const dependency = unavailableDependency(error);
        if (error instanceof ListenerRefusal) {
          this.metrics.outcome(error.reason);
          this.logger.info({ reason: error.reason, status: error.status, path: req.url, peer: req.socket.remoteAddress }, `watch event refused: ${error.message}`);
          if (error.status === 405) res.setHeader('Allow', 'POST');
          send(res, error.status, { statusCode: error.status, error: error.reason, message: error.message });
        } else if (dependency) {
          // A database outage (NATS outages arrive as a refusal from the service): retry later.
          this.metrics.outcome('unavailable');
          this.platformMetrics.dependencyUnavailable.inc({ dependency, channel: 'http' });
          this.logger.warn({ err: (error as Error).message, dependency }, `watch event: ${dependency} unavailable; answered 503`);
          send(res, 503, { statusCode: 503, error: 'unavailable', message: unavailableMessage(dependency) });
        } else {
          this.logger.error({ err: (error as Error).message, stack: (error as Error).stack }, 'watch event failed');
          send(res, 500, { statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
        }
      }
    });
  }

  private async process(req: IncomingMessage, correlationId: string) {
    const path = (req.url ?? '').split('?')[0];
    const route = ROUTE.exec(path);
    if (!route) throw new ListenerRefusal(404, 'not_found', `no route ${path}; events go to POST /v2/{component}/event`);
    const cert = this.clientCertificate(req);
    const sender = await this.events.verifySender(cert);
    if (req.method !== 'POST') throw new ListenerRefusal(405, 'method_not_allowed', `${req.method} is not allowed; use POST`);
    const body = await readBody(req);
    let event;
    try {
      event = parseWatchEventBody(body);
    } catch (error) {
      if (error instanceof MalformedEventError) throw new ListenerRefusal(400, 'malformed', error.message);
      throw error;
    }
    let component: string;
    try {
      component = decodeURIComponent(route[1]);
    } catch {
      throw new ListenerRefusal(404, 'no_watcher', 'invalid component');
    }
    return this.events.accept(sender, component, event, correlationId);
  }

  /**
   * From a trusted proxy, the certificate in X-Forwarded-Client-Cert (which must chain to our CA);
   * from anyone else the header is ignored (and counted) and the TLS client certificate counts.
   */
  private clientCertificate(req: IncomingMessage): X509Certificate {
    const xfcc = req.headers[XFCC_HEADER];
    const peer = normalizeAddress(req.socket.remoteAddress);
    if (xfcc !== undefined) {
      if (this.trustedProxies.has(peer)) {
        if (typeof xfcc !== 'string') throw new ListenerRefusal(401, 'untrusted_certificate', 'X-Forwarded-Client-Cert must appear once');
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(certificateFromXfcc(xfcc));
        } catch (error) {
          throw new ListenerRefusal(401, 'untrusted_certificate', `cannot read the forwarded client certificate: ${(error as Error).message}`);
        }
        if (!chainsTo(cert, this.trust.get())) throw new ListenerRefusal(401, 'untrusted_certificate', 'the forwarded client certificate is not issued by the watcher CA or has expired');
        return cert;
      }
      this.metrics.xfccUntrusted.inc();
      this.logger.warn({ peer }, 'X-Forwarded-Client-Cert from an untrusted address ignored');
    }
    const socket = req.socket as TLSSocket;
    const known = this.peerCertificates.get(socket);
    if (known) return this.stillTrusted(known);
    const peerCert = socket.getPeerCertificate();
    if (!peerCert || !peerCert.raw) throw new ListenerRefusal(401, 'no_certificate', 'a client certificate is required');
    if (!socket.authorized) {
      throw new ListenerRefusal(401, 'untrusted_certificate', `the client certificate is not trusted: ${String(socket.authorizationError ?? 'unknown reason')}`);
    }
    const cert = new X509Certificate(peerCert.raw);
    // The handshake may have used a TLS context older than the trust store: check the chain once here.
    const verified = { cert, notAfter: Date.parse(cert.validTo), generation: -1 };
    this.peerCertificates.set(socket, verified);
    return this.stillTrusted(verified);
  }

  /** The per-connection certificate: not expired, and chaining to the bundle trusted now. */
  private stillTrusted(peer: VerifiedPeer): X509Certificate {
    // A refused connection stays refused: its entry is kept, so the handshake's verdict is not reused.
    if (!(Date.now() <= peer.notAfter)) {
      throw new ListenerRefusal(401, 'untrusted_certificate', 'the client certificate has expired');
    }
    const generation = this.trust.generation();
    if (peer.generation !== generation) {
      if (!chainsTo(peer.cert, this.trust.get())) {
        throw new ListenerRefusal(401, 'untrusted_certificate', 'the client certificate is no longer issued by a trusted watcher CA (CA rotation grace period over)');
      }
      peer.generation = generation;
    }
    return peer.cert;
  }
}

interface VerifiedPeer {
  cert: X509Certificate;
  /** `validTo` in epoch ms, parsed once. */
  notAfter: number;
  /** The TrustStore generation the chain was last verified against. */
  generation: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    return Promise.reject(new ListenerRefusal(413, 'too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Stop reading; the 413 closes the connection instead of draining an unbounded body.
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
      reject(new ListenerRefusal(413, 'too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) };
  if (status === 413) headers.Connection = 'close';
  if (status === 503) headers['Retry-After'] = RETRY_AFTER_SECONDS;
  res.writeHead(status, headers);
  res.end(payload);
}
