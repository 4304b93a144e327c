import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuthModule, authSettingsFromEnv, tenantSourceFromEnv } from '@kaa/auth';
import { NatsModule, natsCredentialsFromEnv } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { PersistenceModule } from '@kaa/persistence';
import { WATCHER_ENV, type WatcherEnv } from './config/env.js';
import { dataSourceOptions } from './database/options.js';
import { ListenerModule } from './listener/listener.module.js';
import { PkiModule } from './pki/pki.module.js';
import { RuntimesModule } from './runtimes/runtimes.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { WatchersModule } from './watchers/watchers.module.js';

export const SERVICE = 'watcher';

@Global()
@Module({})
class WatcherConfigModule {
  static forRoot(env: WatcherEnv): DynamicModule {
    return { module: WatcherConfigModule, providers: [{ provide: WATCHER_ENV, useValue: env }], exports: [WATCHER_ENV] };
  }
}

@Module({})
export class AppModule {
  static forRoot(env: WatcherEnv): DynamicModule {
    const identity = { service: SERVICE, instance: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID };
    return {
      module: AppModule,
      imports: [
        WatcherConfigModule.forRoot(env),
        ObservabilityModule.forRoot({ ...identity, level: env.LOG_LEVEL }),
        NatsModule.forRoot({ servers: env.NATS_URL, instanceName: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID, service: SERVICE, credentials: natsCredentialsFromEnv(env) }),
        PersistenceModule.forRoot({ dataSource: dataSourceOptions(env), migrate: true }),
        AuthModule.forRoot({ tenants: tenantSourceFromEnv(env), platformTenant: env.PLATFORM_TENANT, ...authSettingsFromEnv(env) }),
        PkiModule,
        RuntimesModule,
        WatchersModule,
        ListenerModule,
        TenantsModule,
      ],
    };
  }
}
