import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { HealthRegistry } from './health.registry.js';
import { createLogger, type LoggerOptions } from './logger.js';
import { MetricsService } from './metrics.service.js';
import { ObservabilityController } from './observability.controller.js';

export const LOGGER = Symbol('kaa:logger');
export type { Logger };

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: LoggerOptions & { logger?: Logger }): DynamicModule {
    const logger = options.logger ?? createLogger(options);
    return {
      module: ObservabilityModule,
      controllers: [ObservabilityController],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: MetricsService, useFactory: () => new MetricsService(options) },
        HealthRegistry,
      ],
      exports: [LOGGER, MetricsService, HealthRegistry],
    };
  }
}
