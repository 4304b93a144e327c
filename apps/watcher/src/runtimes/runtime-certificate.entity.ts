import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Every client certificate ever issued; the listener refuses serials not here or revoked. */
@Entity({ name: 'runtime_certificate' })
export class RuntimeCertificate {
  /** Normalised lower-case hex. */
  @PrimaryColumn({ type: 'text' })
  serialNumber: string;

  @Column({ type: 'text' })
  runtimeId: string;

  @Column({ type: 'int' })
  caId: number;

  @Column({ type: 'timestamptz' })
  notBefore: Date;

  @Column({ type: 'timestamptz' })
  notAfter: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
