import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConfigCacheService } from '../configs/config-cache.service.js';
import { ALL_CHANGED } from '../configs/config-changes.js';
import { TenantScope } from '../tenancy/tenant-scope.js';

/** Deletes what lifecycle events make obsolete. */
@Injectable()
export class PurgeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(TenantScope) private readonly scope: TenantScope,
    private readonly cache: ConfigCacheService,
  ) {}

  /** 9/ELCE unregistered: the endpoint's configs and history for that app version. */
  async endpointUnregistered(endpointId: string, appVersionName: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (const table of ['endpoint_config', 'config_status']) {
        const params: unknown[] = [endpointId, appVersionName];
        await manager.query(
          `DELETE FROM ${table} WHERE endpoint_id = $1 AND app_version_name = $2 AND ${this.scope.condition('tenant_id', params)}`,
          params,
        );
      }
    });
    this.cache.changed({ kind: 'endpoints', endpoints: [[appVersionName, endpointId]] });
  }

  /** 21/TLE unregistered: everything of the tenant, unless this instance does not serve it. */
  async tenantUnregistered(tenantId: string): Promise<boolean> {
    if (!this.scope.allows(tenantId)) return false;
    await this.dataSource.transaction(async (manager) => {
      for (const table of ['config_status', 'endpoint_config', 'default_config']) {
        await manager.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
      }
    });
    this.cache.changed(ALL_CHANGED);
    return true;
  }
}
