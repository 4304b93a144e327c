import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { MessagingModule } from '../messaging/messaging.module.js';
import { AppConfigsController } from './app-configs.controller.js';
import { ConfigsService } from './configs.service.js';
import { TenantConfigsController } from './tenant-configs.controller.js';

@Module({
  imports: [ApplicationsModule, MessagingModule],
  controllers: [AppConfigsController, TenantConfigsController],
  providers: [ConfigsService],
})
export class ConfigsModule {}
