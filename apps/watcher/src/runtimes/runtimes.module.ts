import { Module } from '@nestjs/common';
import { PkiModule } from '../pki/pki.module.js';
import { RuntimesController } from './runtimes.controller.js';
import { RuntimesService } from './runtimes.service.js';

@Module({
  imports: [PkiModule],
  controllers: [RuntimesController],
  providers: [RuntimesService],
  exports: [RuntimesService],
})
export class RuntimesModule {}
