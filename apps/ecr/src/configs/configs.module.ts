import { Module } from '@nestjs/common';
import { ConfigUpdatedPublisher } from '../messaging/config-updated.publisher.js';
import { SchemasModule } from '../schemas/schemas.module.js';
import { ConfigsService } from './configs.service.js';
import { DefaultConfigController } from './default-config.controller.js';
import { EndpointConfigController } from './endpoint-config.controller.js';

@Module({
  imports: [SchemasModule],
  controllers: [EndpointConfigController, DefaultConfigController],
  providers: [ConfigsService, ConfigUpdatedPublisher],
  exports: [ConfigsService],
})
export class ConfigsModule {}
