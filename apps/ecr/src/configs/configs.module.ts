import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigUpdatedPublisher } from '../messaging/config-updated.publisher.js';
import { SchemasModule } from '../schemas/schemas.module.js';
import { CONFIG_LIMITS, ConfigsService, type ConfigLimits } from './configs.service.js';
import { DefaultConfigController } from './default-config.controller.js';
import { EndpointConfigController } from './endpoint-config.controller.js';

@Module({
  imports: [SchemasModule],
  controllers: [EndpointConfigController, DefaultConfigController],
  providers: [ConfigsService, ConfigUpdatedPublisher],
  exports: [ConfigsService],
})
export class ConfigsModule {}

/** The write limits, for whichever module instance of ConfigsService is built. */
@Global()
@Module({})
export class ConfigLimitsModule {
  static forRoot(limits: ConfigLimits): DynamicModule {
    return { module: ConfigLimitsModule, providers: [{ provide: CONFIG_LIMITS, useValue: limits }], exports: [CONFIG_LIMITS] };
  }
}
