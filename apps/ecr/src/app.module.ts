import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, authSettingsFromEnv, tenantSourceFromEnv } from '@kaa/auth';
import { NatsModule, natsCredentialsFromEnv } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { PersistenceModule } from '@kaa/persistence';
import type { EcrEnv } from './config/env.js';
import { ConfigCacheModule } from './configs/config-cache.service.js';
import { ConfigLimitsModule, ConfigsModule } from './configs/configs.module.js';
import { dataSourceOptions } from './database/options.js';
import { FiltersModule } from './filters/filters.module.js';
import { HistoryModule } from './history/history.module.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { appConfigSourceModule } from './schemas/app-config-source.module.js';
import { SystemConfigsModule } from './system-configs/system-configs.module.js';
import { TenancyModule } from './tenancy/tenancy.module.js';

export const SERVICE = 'ecr';

@Module({})
export class AppModule {
  static forRoot(env: EcrEnv): DynamicModule {
    const identity = { service: SERVICE, instance: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID };
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ ...identity, level: env.LOG_LEVEL }),
        NatsModule.forRoot({ servers: env.NATS_URL, instanceName: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID, service: SERVICE, credentials: natsCredentialsFromEnv(env) }),
        PersistenceModule.forRoot({ dataSource: dataSourceOptions(env), migrate: true }),
        AuthModule.forRoot({ tenants: tenantSourceFromEnv(env), ...authSettingsFromEnv(env), allowedTenants: env.TENANTS_ALLOWED, platformTenant: env.PLATFORM_TENANT }),
        TenancyModule.forRoot(env.TENANTS_ALLOWED),
        appConfigSourceModule(env),
        HistoryModule.forRoot({ maxPageSize: env.STATUSES_MAX_PAGE_SIZE }),
        ConfigCacheModule.forRoot({ maxEntries: env.CONFIG_CACHE_ENTRIES, ttlMs: env.CONFIG_CACHE_TTL_MS }),
        ConfigLimitsModule.forRoot({ configMaxBytes: env.ECR_CONFIG_MAX_BYTES, batchMaxEndpoints: env.ECR_BATCH_MAX_ENDPOINTS }),
        ConfigsModule,
        FiltersModule.forRoot(env),
        SystemConfigsModule,
        MessagingModule.forRoot({ consumers: env.CDTP_CONSUMER_INSTANCES }),
      ],
    };
  }
}
