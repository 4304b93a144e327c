import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ConfigError } from '@kaa/config';
import { LOGGER, type Logger } from '@kaa/observability';
import { schemaOf } from '@kaa/persistence';
import { WATCHER_ENV, type WatcherEnv } from '../config/env.js';
import { createCertificateAuthority, importPrivateKey, type CryptoKey, issueCertificate, type IssuedCertificate, type LeafRequest } from './certificates.js';
import { CertificateAuthority } from './certificate-authority.entity.js';
import { decryptSecret, encryptSecret, KeyDecryptionError } from './key-encryption.js';

export interface LoadedAuthority {
  id: number;
  certificatePem: string;
  privateKey: CryptoKey;
}

export interface CaSummary {
  serialNumber: string;
  status: CertificateAuthority['status'];
  notAfter: string;
  trustedUntil: string | null;
}

type Listener = () => Promise<void> | void;

/**
 * The watcher's own CA. Created on first start under an advisory lock (replicas starting together
 * make one). A rotation creates a new active CA; the previous one stays in the trust bundle until
 * its grace period ends.
 */
@Injectable()
export class CertificateAuthorityService implements OnModuleInit {
  private readonly keys = new Map<number, CryptoKey>();
  private readonly listeners = new Set<Listener>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WATCHER_ENV) private readonly env: WatcherEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private initialised?: Promise<void>;

  onModuleInit(): Promise<void> {
    this.initialised ??= this.initialise();
    return this.initialised;
  }

  private async initialise() {
    await this.dataSource.transaction(async (manager) => {
      await this.lock(manager);
      const active = await manager.findOneBy(CertificateAuthority, { status: 'active' });
      if (!active) {
        const created = await this.createCa(manager);
        this.logger.info({ serialNumber: created.serialNumber }, 'created the watcher CA');
      }
    });
    // Decrypting now makes a wrong WATCHER_CA_KEY_SECRET stop the start instead of the first request.
    await this.activeAuthority();
  }

  /** Called when the trust bundle changed in this process (rotation). */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The CAs a client certificate may chain to now: the active one plus those in their grace period. */
  async trusted(now = new Date()): Promise<CertificateAuthority[]> {
    const rows = await this.dataSource.getRepository(CertificateAuthority).find({ order: { id: 'ASC' } });
    return rows.filter((ca) => ca.notAfter > now && (ca.status === 'active' || (ca.trustedUntil !== null && ca.trustedUntil > now)));
  }

  async bundlePem(now = new Date()): Promise<string> {
    return (await this.trusted(now)).map((ca) => ca.certificatePem.trim()).join('\n') + '\n';
  }

  async summary(): Promise<{ bundle: string; authorities: CaSummary[] }> {
    const trusted = await this.trusted();
    return {
      bundle: trusted.map((ca) => ca.certificatePem.trim()).join('\n') + '\n',
      authorities: trusted.map((ca) => ({
        serialNumber: ca.serialNumber,
        status: ca.status,
        notAfter: ca.notAfter.toISOString(),
        trustedUntil: ca.trustedUntil?.toISOString() ?? null,
      })),
    };
  }

  async activeAuthority(): Promise<LoadedAuthority> {
    const row = await this.dataSource.getRepository(CertificateAuthority).findOneByOrFail({ status: 'active' });
    return this.load(row);
  }

  /**
   * The listener's server certificate comes from the oldest trusted CA: runtimes that only know
   * the previous CA must still verify the server until the grace period ends. Pass the rows of
   * {@link trusted} when the caller has them already.
   */
  async serverAuthority(trusted?: readonly CertificateAuthority[]): Promise<LoadedAuthority> {
    const [oldest] = trusted ?? (await this.trusted());
    return oldest ? this.load(oldest) : this.activeAuthority();
  }

  async issueClient(request: Omit<LeafRequest, 'usage' | 'validityDays'>): Promise<IssuedCertificate & { caId: number }> {
    const authority = await this.activeAuthority();
    const issued = await issueCertificate(authority, { ...request, usage: 'client', validityDays: this.env.CLIENT_CERT_VALIDITY_DAYS });
    return { ...issued, caId: authority.id };
  }

  async rotate(): Promise<CaSummary[]> {
    await this.dataSource.transaction(async (manager) => {
      await this.lock(manager);
      const trustedUntil = new Date(Date.now() + this.env.CA_ROTATION_GRACE_SECONDS * 1000);
      await manager.update(CertificateAuthority, { status: 'active' }, { status: 'retiring', trustedUntil });
      const created = await this.createCa(manager);
      this.logger.info({ serialNumber: created.serialNumber, previousTrustedUntil: trustedUntil.toISOString() }, 'rotated the watcher CA');
    });
    // This replica's listener trusts the new bundle before the answer; others follow within LISTENER_REFRESH_SECONDS.
    await Promise.all([...this.listeners].map((listener) => listener()));
    return (await this.summary()).authorities;
  }

  private async lock(manager: EntityManager) {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kaa:watcher-ca:${schemaOf(this.dataSource)}`]);
  }

  private async createCa(manager: EntityManager): Promise<CertificateAuthority> {
    const ca = await createCertificateAuthority(`kaa watcher CA ${this.env.SERVICE_INSTANCE_NAME} ${new Date().toISOString()}`, this.env.CA_VALIDITY_DAYS);
    return manager.save(
      manager.create(CertificateAuthority, {
        serialNumber: ca.serialNumber,
        certificatePem: ca.certificatePem,
        encryptedKey: encryptSecret(Buffer.from(ca.privateKeyPem), this.env.WATCHER_CA_KEY_SECRET),
        status: 'active',
        notAfter: ca.notAfter,
        trustedUntil: null,
      }),
    );
  }

  private async load(row: CertificateAuthority): Promise<LoadedAuthority> {
    let key = this.keys.get(row.id);
    if (!key) {
      try {
        key = await importPrivateKey(decryptSecret(row.encryptedKey, this.env.WATCHER_CA_KEY_SECRET).toString());
      } catch (error) {
        if (error instanceof KeyDecryptionError) throw new ConfigError([{ variable: 'WATCHER_CA_KEY_SECRET', message: error.message }]);
        throw error;
      }
      this.keys.set(row.id, key);
    }
    return { id: row.id, certificatePem: row.certificatePem, privateKey: key };
  }
}
