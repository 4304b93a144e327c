import { Module } from '@nestjs/common';
import { BulkController } from './bulk.controller.js';
import { BulkService } from './bulk.service.js';

@Module({
  controllers: [BulkController],
  providers: [BulkService],
})
export class BulkModule {}
