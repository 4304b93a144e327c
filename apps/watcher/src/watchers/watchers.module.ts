import { Module } from '@nestjs/common';
import { WatchersController } from './watchers.controller.js';
import { WatchersService } from './watchers.service.js';

@Module({
  controllers: [WatchersController],
  providers: [WatchersService],
  exports: [WatchersService],
})
export class WatchersModule {}
