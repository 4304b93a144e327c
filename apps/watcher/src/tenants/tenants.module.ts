import { Module } from '@nestjs/common';
import { TenantLifecycleHandler } from '../messaging/tenant-lifecycle.handler.js';
import { RuntimesModule } from '../runtimes/runtimes.module.js';
import { WatchersModule } from '../watchers/watchers.module.js';
import { TenantPurgeService } from './tenant-purge.service.js';

/** Reacts to tenants leaving the installation (21/TLE). */
@Module({
  imports: [RuntimesModule, WatchersModule],
  providers: [TenantPurgeService, TenantLifecycleHandler],
})
export class TenantsModule {}
