import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** `active` issues certificates; `retiring` stays trusted until `trustedUntil` (CA rotation grace). */
export type CaStatus = 'active' | 'retiring';

@Entity({ name: 'certificate_authority' })
export class CertificateAuthority {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'text' })
  serialNumber: string;

  @Column({ type: 'text' })
  certificatePem: string;

  /** PKCS#8 key, AES-256-GCM encrypted with a key derived from WATCHER_CA_KEY_SECRET. */
  @Column({ type: 'text' })
  encryptedKey: string;

  @Column({ type: 'text' })
  status: CaStatus;

  @Column({ type: 'timestamptz' })
  notAfter: Date;

  @Column({ type: 'timestamptz', nullable: true })
  trustedUntil: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
