import { Module } from '@nestjs/common';
import { SystemConfigRepository } from './system-config.repository.js';
import { SystemConfigUpdatedPublisher } from './system-config-updated.publisher.js';
import { SYSTEM_CONFIG_CONTROLLERS } from './system-configs.controller.js';
import { SystemConfigsService } from './system-configs.service.js';

/** The `/system/...` API (27/SCMP system configurations). */
@Module({
  controllers: SYSTEM_CONFIG_CONTROLLERS,
  providers: [SystemConfigsService, SystemConfigRepository, SystemConfigUpdatedPublisher],
})
export class SystemConfigsModule {}
