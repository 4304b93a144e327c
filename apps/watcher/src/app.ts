import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@kaa/server';
import { AppModule } from './app.module.js';
import type { WatcherEnv } from './config/env.js';

export function createWatcherApp(env: WatcherEnv): Promise<NestFastifyApplication> {
  return createHttpApp(AppModule.forRoot(env), {
    title: 'watcher',
    description: 'Watch-event listener: remote runtimes post watch events over mutual TLS; they are verified and forwarded over NATS.',
    bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
    rateLimit: { perTenant: env.RATE_LIMIT_PER_TENANT, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS },
  });
}
