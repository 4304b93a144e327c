import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { conflict, notFound, pageFigures, type Page, type PageLimits, type PageRequest } from '@kaa/server';
import { WATCHER_ENV, type WatcherEnv } from '../config/env.js';
import { ShortLivedCache } from '../listener/short-lived-cache.js';
import { normalizeSerial, type IssuedCertificate } from '../pki/certificates.js';
import { CertificateAuthorityService } from '../pki/certificate-authority.service.js';
import { RuntimeCertificate } from './runtime-certificate.entity.js';
import { Runtime } from './runtime.entity.js';

export interface RuntimeView {
  runtimeId: string;
  domain: string;
  status: Runtime['status'];
  createdAt: string;
  revokedAt: string | null;
}

/** Returned once: the private key is never stored. */
export interface RuntimeCredentials extends RuntimeView {
  certificate: string;
  privateKey: string;
  caBundle: string;
  serialNumber: string;
  notAfter: string;
}

/** What the listener needs to decide about a sender, per event: the runtime named by the CN and the certificate record. */
export interface SenderRecords {
  runtime: Pick<Runtime, 'tenantId' | 'domain' | 'status'> | null;
  certificate: Pick<RuntimeCertificate, 'revokedAt'> | null;
}

const view = (r: Runtime): RuntimeView => ({
  runtimeId: r.runtimeId,
  domain: r.domain,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt?.toISOString() ?? null,
});

/** Remembers a certificate issued to a runtime (its serial is checked on every event). */
function recordCertificate(manager: EntityManager, runtimeId: string, issued: IssuedCertificate & { caId: number }) {
  return manager.insert(RuntimeCertificate, {
    serialNumber: normalizeSerial(issued.serialNumber),
    runtimeId,
    caId: issued.caId,
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    revokedAt: null,
  });
}

@Injectable()
export class RuntimesService {
  private readonly senders: ShortLivedCache<SenderRecords>;
  private readonly maxPerTenant: number;
  /** By default a page holds as many runtimes as a tenant may have active. */
  readonly listPage: PageLimits;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ca: CertificateAuthorityService,
    @Inject(WATCHER_ENV) env: WatcherEnv,
  ) {
    this.senders = new ShortLivedCache(env.LISTENER_CACHE_MS);
    this.maxPerTenant = env.WATCHER_MAX_RUNTIMES_PER_TENANT;
    this.listPage = { defaultSize: this.maxPerTenant, maxSize: this.maxPerTenant };
  }

  async register(tenantId: string, runtimeId: string, domain: string): Promise<RuntimeCredentials> {
    const issued = await this.ca.issueClient({ commonName: runtimeId, altNames: [domain] });
    const runtime = await this.dataSource.transaction(async (manager) => {
      // Serializes the tenant's registrations, so concurrent ones cannot pass the limit together.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`watcher:runtimes:${tenantId}`]);
      const active = await manager.countBy(Runtime, { tenantId, status: 'active' });
      if (active >= this.maxPerTenant) throw conflict(`the tenant has ${active} active runtimes, the most allowed (${this.maxPerTenant}); revoke one first`);
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(Runtime)
        .values({ runtimeId, tenantId, domain, status: 'active', revokedAt: null })
        .orIgnore()
        .returning('*')
        .execute();
      if (inserted.raw.length === 0) throw conflict(`runtime ${runtimeId} already exists`);
      await recordCertificate(manager, runtimeId, issued);
      return manager.findOneByOrFail(Runtime, { runtimeId });
    });
    this.senders.clear();
    return this.credentials(runtime, issued);
  }

  async list(tenantId: string, request: PageRequest): Promise<Page<RuntimeView>> {
    const [rows, total] = await this.dataSource.getRepository(Runtime).findAndCount({ where: { tenantId }, order: { runtimeId: 'ASC' }, skip: request.offset, take: request.size });
    return { content: rows.map(view), figures: pageFigures(request, total) };
  }

  async get(tenantId: string, runtimeId: string): Promise<RuntimeView> {
    return view(await this.find(tenantId, runtimeId));
  }

  /** Issues a new certificate and revokes every earlier one of the runtime. */
  async rotateCertificate(tenantId: string, runtimeId: string): Promise<RuntimeCredentials> {
    const runtime = await this.find(tenantId, runtimeId);
    if (runtime.status === 'revoked') throw conflict(`runtime ${runtimeId} is revoked`);
    const issued = await this.ca.issueClient({ commonName: runtimeId, altNames: [runtime.domain] });
    await this.dataSource.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(RuntimeCertificate)
        .set({ revokedAt: () => 'now()' })
        .where('runtime_id = :runtimeId AND revoked_at IS NULL', { runtimeId })
        .execute();
      await recordCertificate(manager, runtimeId, issued);
    });
    this.senders.clear();
    return this.credentials(runtime, issued);
  }

  async revoke(tenantId: string, runtimeId: string): Promise<void> {
    const runtime = await this.find(tenantId, runtimeId);
    if (runtime.status === 'revoked') return;
    await this.dataSource.transaction(async (manager) => {
      await manager.update(Runtime, { runtimeId }, { status: 'revoked', revokedAt: new Date() });
      await manager
        .createQueryBuilder()
        .update(RuntimeCertificate)
        .set({ revokedAt: () => 'now()' })
        .where('runtime_id = :runtimeId AND revoked_at IS NULL', { runtimeId })
        .execute();
    });
    this.senders.clear();
  }

  /** Forgets cached sender records (after changes made outside this service, e.g. a tenant purge). */
  forgetCachedSenders() {
    this.senders.clear();
  }

  /**
   * Request-time lookup for the listener (revocations take effect without touching the TLS
   * server): the runtime and, when issued to it, the certificate with this serial, in one query.
   */
  senderRecords(runtimeId: string, serialNumber: string): Promise<SenderRecords> {
    return this.senders.get(`${runtimeId}\u0000${serialNumber}`, () => this.loadSenderRecords(runtimeId, serialNumber));
  }

  private async loadSenderRecords(runtimeId: string, serialNumber: string): Promise<SenderRecords> {
    const [row]: { tenant_id: string; domain: string; status: Runtime['status']; cert_serial: string | null; cert_revoked_at: Date | null }[] =
      await this.dataSource.query(
        `SELECT r.tenant_id, r.domain, r.status, c.serial_number AS cert_serial, c.revoked_at AS cert_revoked_at
         FROM runtime r LEFT JOIN runtime_certificate c ON c.runtime_id = r.runtime_id AND c.serial_number = $2
         WHERE r.runtime_id = $1`,
        [runtimeId, normalizeSerial(serialNumber)],
      );
    if (!row) return { runtime: null, certificate: null };
    return {
      runtime: { tenantId: row.tenant_id, domain: row.domain, status: row.status },
      certificate: row.cert_serial === null ? null : { revokedAt: row.cert_revoked_at },
    };
  }

  private async find(tenantId: string, runtimeId: string): Promise<Runtime> {
    const runtime = await this.dataSource.getRepository(Runtime).findOneBy({ runtimeId, tenantId });
    if (!runtime) throw notFound(`runtime ${runtimeId} not found`);
    return runtime;
  }

  private async credentials(runtime: Runtime, issued: { certificatePem: string; privateKeyPem: string; serialNumber: string; notAfter: Date }): Promise<RuntimeCredentials> {
    return {
      ...view(runtime),
      certificate: issued.certificatePem,
      privateKey: issued.privateKeyPem,
      caBundle: await this.ca.bundlePem(),
      serialNumber: issued.serialNumber,
      notAfter: issued.notAfter.toISOString(),
    };
  }
}
