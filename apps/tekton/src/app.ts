import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@kaa/server';
import { AppModule } from './app.module.js';
import type { TektonEnv } from './config/env.js';

export function createTektonApp(env: TektonEnv): Promise<NestFastifyApplication> {
  return createHttpApp(AppModule.forRoot(env), {
    title: 'tekton',
    description: 'Application configuration repository: per-service-instance configuration of applications, app versions and tenants, announced over 17/SCMP.',
    bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
    rateLimit: { perTenant: env.RATE_LIMIT_PER_TENANT, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS },
  });
}
