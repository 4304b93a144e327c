import { DynamicModule, Global, Module, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { HealthRegistry } from '@kaa/observability';
import { runMigrations } from './data-source.js';
import { OutboxRelay } from './outbox/outbox-relay.service.js';
import { OutboxService } from './outbox/outbox.service.js';

export interface PersistenceModuleOptions {
  dataSource: DataSourceOptions;
  /** Apply pending migrations (under an advisory lock) before the app serves anything. */
  migrate: boolean;
}

@Global()
@Module({})
export class PersistenceModule implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: HealthRegistry,
  ) {}

  static forRoot(options: PersistenceModuleOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => options.dataSource,
          dataSourceFactory: async (dsOptions) => {
            const dataSource = await new DataSource(dsOptions ?? options.dataSource).initialize();
            if (options.migrate) await runMigrations(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [OutboxService, OutboxRelay],
      exports: [OutboxService, OutboxRelay],
    };
  }

  onModuleInit() {
    this.health.register({
      name: 'database',
      check: async () => {
        await this.dataSource.query('SELECT 1');
      },
    });
  }
}
