import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, tenantSourceFromEnv } from '@kaa/auth';
import { NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { PersistenceModule } from '@kaa/persistence';
import type { TektonEnv } from './config/env.js';
import { dataSourceOptions } from './database/options.js';

export const SERVICE = 'tekton';

@Module({})
export class AppModule {
  static forRoot(env: TektonEnv): DynamicModule {
    const identity = { service: SERVICE, instance: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID };
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ ...identity, level: env.LOG_LEVEL }),
        NatsModule.forRoot({ servers: env.NATS_URL, instanceName: env.SERVICE_INSTANCE_NAME, replicaId: env.REPLICA_ID, service: SERVICE }),
        PersistenceModule.forRoot({ dataSource: dataSourceOptions(env), migrate: true }),
        AuthModule.forRoot({ tenants: tenantSourceFromEnv(env) }),
      ],
    };
  }
}
