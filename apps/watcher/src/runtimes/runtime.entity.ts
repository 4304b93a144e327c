import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type RuntimeStatus = 'active' | 'revoked';

/** A remote runtime allowed to post watch events; its id is unique installation-wide (it is the certificate CN). */
@Entity({ name: 'runtime' })
export class Runtime {
  @PrimaryColumn({ type: 'text' })
  runtimeId: string;

  @Column({ type: 'text' })
  tenantId: string;

  /** Pinned: the client certificate must carry exactly this among its SANs. */
  @Column({ type: 'text' })
  domain: string;

  @Column({ type: 'text' })
  status: RuntimeStatus;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
