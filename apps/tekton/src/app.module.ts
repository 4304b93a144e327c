import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, authSettingsFromEnv, tenantSourceFromEnv } from '@kaa/auth';
import { NatsModule, natsCredentialsFromEnv } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { PersistenceModule } from '@kaa/persistence';
import { ApplicationsModule } from './applications/applications.module.js';
import { BulkModule } from './bulk/bulk.module.js';
import { PlatformTenant } from './common/access.js';
import { TektonLimits } from './common/limits.js';
import type { TektonEnv } from './config/env.js';
import { ConfigsModule } from './configs/configs.module.js';
import { dataSourceOptions } from './database/options.js';
import { PlatformEventSink } from './events/platform-event.js';
import { EventRecorder, IntegrationsModule } from './integrations/integrations.module.js';
import { loadServiceInstances } from './service-instances/service-instances.loader.js';
import { ServiceInstancesModule } from './service-instances/service-instances.module.js';

export const SERVICE = 'tekton';

/** Global: the platform-event sink and platform tenant are injected by feature modules. */
@Module({})
export class AppModule {
  /** Throws ConfigError when SERVICE_INSTANCES_FILE is unreadable or holds an invalid schema. */
  static forRoot(env: TektonEnv): DynamicModule {
    const identity = { service: SERVICE, instance: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID };
    const serviceInstances = loadServiceInstances(env.SERVICE_INSTANCES_FILE);
    return {
      module: AppModule,
      global: true,
      imports: [
        ObservabilityModule.forRoot({ ...identity, level: env.LOG_LEVEL }),
        NatsModule.forRoot({ servers: env.NATS_URL, instanceName: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID, service: SERVICE, credentials: natsCredentialsFromEnv(env) }),
        PersistenceModule.forRoot({ dataSource: dataSourceOptions(env), migrate: true }),
        AuthModule.forRoot({ tenants: tenantSourceFromEnv(env), platformTenant: env.PLATFORM_TENANT, ...authSettingsFromEnv(env) }),
        ServiceInstancesModule.forRoot(serviceInstances),
        ApplicationsModule,
        ConfigsModule,
        BulkModule,
        IntegrationsModule.forRoot(env),
      ],
      providers: [
        { provide: PlatformTenant, useValue: new PlatformTenant(env.PLATFORM_TENANT) },
        {
          provide: TektonLimits,
          useValue: new TektonLimits(env.TEKTON_CONFIG_MAX_BYTES, env.TEKTON_HISTORY_DIFF_MAX_BYTES, env.TEKTON_MAX_APPLICATIONS_PER_TENANT, env.TEKTON_MAX_VERSIONS_PER_APPLICATION),
        },
        { provide: PlatformEventSink, useExisting: EventRecorder },
      ],
      exports: [PlatformTenant, TektonLimits, PlatformEventSink],
    };
  }
}
