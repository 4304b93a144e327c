import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RuntimeCertificate } from '../runtimes/runtime-certificate.entity.js';
import { Runtime } from '../runtimes/runtime.entity.js';
import { RuntimesService } from '../runtimes/runtimes.service.js';
import { Watcher } from '../watchers/watcher.entity.js';
import { WatchersService } from '../watchers/watchers.service.js';

export interface TenantPurge {
  watchersDeleted: number;
  runtimesRevoked: number;
}

/** What a tenant leaves behind when it is unregistered (21/TLE). */
@Injectable()
export class TenantPurgeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtimes: RuntimesService,
    private readonly watchers: WatchersService,
  ) {}

  /**
   * In one transaction: deletes the tenant's watchers, revokes its runtimes and their certificates
   * (their later events are refused; the rows stay, as runtime ids are unique installation-wide).
   * Then the listener's caches on this replica are cleared; other replicas follow within LISTENER_CACHE_MS.
   */
  async purge(tenantId: string): Promise<TenantPurge> {
    const result = await this.dataSource.transaction(async (manager) => {
      const deleted = await manager.delete(Watcher, { tenantId });
      const revoked = await manager
        .createQueryBuilder()
        .update(Runtime)
        .set({ status: 'revoked', revokedAt: () => 'now()' })
        .where("tenant_id = :tenantId AND status <> 'revoked'", { tenantId })
        .execute();
      await manager
        .createQueryBuilder()
        .update(RuntimeCertificate)
        .set({ revokedAt: () => 'now()' })
        .where('revoked_at IS NULL AND runtime_id IN (SELECT runtime_id FROM runtime WHERE tenant_id = :tenantId)', { tenantId })
        .execute();
      return { watchersDeleted: deleted.affected ?? 0, runtimesRevoked: revoked.affected ?? 0 };
    });
    this.runtimes.forgetCachedSenders();
    this.watchers.forgetCachedWatchers();
    return result;
  }
}
