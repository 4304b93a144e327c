import { DynamicModule, Module } from '@nestjs/common';
import { HistoryService } from './history.service.js';
import { STATUSES_MAX_PAGE_SIZE, StatusesController } from './statuses.controller.js';

@Module({})
export class HistoryModule {
  static forRoot(options: { maxPageSize: number }): DynamicModule {
    return {
      module: HistoryModule,
      global: true,
      controllers: [StatusesController],
      providers: [HistoryService, { provide: STATUSES_MAX_PAGE_SIZE, useValue: options.maxPageSize }],
      exports: [HistoryService],
    };
  }
}
