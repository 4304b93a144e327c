import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConfigCacheService } from '../configs/config-cache.service.js';
import { ALL_CHANGED } from '../configs/config-changes.js';
import { OwnershipService } from '../tenancy/ownership.js';
import { TenantScope } from '../tenancy/tenant-scope.js';

/** Deletes what lifecycle events make obsolete. */
@Injectable()
export class PurgeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(TenantScope) private readonly scope: TenantScope,
    private readonly cache: ConfigCacheService,
    private readonly ownership: OwnershipService,
  ) {}

  /** 9/ELCE unregistered: the endpoint's configs and history for that app version (its owner's only). */
  async endpointUnregistered(endpointId: string, appVersionName: string): Promise<boolean> {
    const owner = this.ownership.servedOwner(appVersionName);
    if (owner === undefined) return false;
    await this.dataSource.transaction(async (manager) => {
      for (const table of ['endpoint_config', 'config_status']) {
        await manager.query(`DELETE FROM ${table} WHERE endpoint_id = $1 AND app_version_name = $2 AND tenant_id = $3`, [endpointId, appVersionName, owner]);
      }
      await manager.query(`DELETE FROM system_config WHERE tenant_id = $1 AND level = 'ENDPOINT' AND level_id = $2`, [owner, endpointId]);
    });
    this.cache.changed({ kind: 'endpoints', endpoints: [[appVersionName, endpointId]] });
    return true;
  }

  /** 21/TLE unregistered: everything of the tenant, unless this instance does not serve it. */
  async tenantUnregistered(tenantId: string): Promise<boolean> {
    if (!this.scope.allows(tenantId)) return false;
    await this.dataSource.transaction(async (manager) => {
      for (const table of ['config_status', 'endpoint_config', 'default_config', 'system_config']) {
        await manager.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
      }
    });
    this.cache.changed(ALL_CHANGED);
    return true;
  }
}
