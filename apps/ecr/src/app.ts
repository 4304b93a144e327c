import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@kaa/server';
import { AppModule } from './app.module.js';
import type { EcrEnv } from './config/env.js';

export function createEcrApp(env: EcrEnv): Promise<NestFastifyApplication> {
  return createHttpApp(AppModule.forRoot(env), {
    title: 'ecr',
    description: 'Endpoint Configuration Repository: endpoint and default configurations per application version, served over 6/CDTP.',
    bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
    rateLimit: { perTenant: env.RATE_LIMIT_PER_TENANT, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS },
  });
}
