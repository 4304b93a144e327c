import { ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { fastifyRequestIdOptions, instrumentHttp, LOGGER, MetricsService, PinoNestLogger, type Logger } from '@kaa/observability';
import { HttpErrorFilter } from './http-exception.filter.js';
import { guardInputs } from './input-guard.js';

export const API_PREFIX = 'api/v1';

export interface HttpAppOptions {
  title: string;
  description: string;
  version?: string;
  bodyLimitBytes: number;
}

/**
 * Creates (but does not start) a service on Fastify: REST under /api/v1 (health and metrics at
 * the root), OpenAPI at /api/docs, pino logs, metrics per route, one error filter.
 */
export async function createHttpApp(module: Type | ReturnType<typeof Object>, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ ...fastifyRequestIdOptions, bodyLimit: options.bodyLimitBytes, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  instrumentHttp(app.getHttpAdapter().getInstance(), app.get(MetricsService), logger);
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics'] });
  app.useGlobalFilters(new HttpErrorFilter(logger, app.get(MetricsService)));
  guardInputs(app, { bodyLimitBytes: options.bodyLimitBytes, metrics: app.get(MetricsService) });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  setupOpenApi(app, options);
  return app;
}

function setupOpenApi(app: INestApplication, options: HttpAppOptions) {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version ?? '1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'api/docs/json' });
}
