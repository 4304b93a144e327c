import { DynamicModule, Module } from '@nestjs/common';
import { ClientCredentialsTokenSource } from '@kaa/auth';
import type { EcrEnv } from '../config/env.js';
import { ConfigsModule } from '../configs/configs.module.js';
import { EprClient } from './epr-client.js';
import { FilterConfigsController } from './filter-configs.controller.js';
import { FilterConfigsService } from './filter-configs.service.js';

/** Configurations by Kaa EPR endpoint filter; without `EPR_URL` the route answers 501. */
@Module({})
export class FiltersModule {
  static forRoot(env: EcrEnv): DynamicModule {
    const epr =
      env.EPR_URL && env.TOKEN_URL && env.CLIENT_ID && env.CLIENT_SECRET
        ? [
            {
              provide: EprClient,
              useValue: new EprClient({
                baseUrl: env.EPR_URL,
                tokens: new ClientCredentialsTokenSource({ tokenUrl: env.TOKEN_URL, clientId: env.CLIENT_ID, clientSecret: env.CLIENT_SECRET, scope: env.EPR_TOKEN_SCOPE }),
              }),
            },
          ]
        : [];
    return {
      module: FiltersModule,
      imports: [ConfigsModule],
      controllers: [FilterConfigsController],
      providers: [FilterConfigsService, ...epr],
    };
  }
}
