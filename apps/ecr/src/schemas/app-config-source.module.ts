import { DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigSource, FileAppConfigSource, emptyTree, type ConfigChange, type ServiceConfigTree } from '@kaa/tekton-client';
import { LOGGER, type Logger } from '@kaa/observability';
import type { EcrEnv } from '../config/env.js';

/** Neither Tekton nor a file: no schemas, nothing required. */
class EmptyAppConfigSource extends AppConfigSource {
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  current(): ServiceConfigTree {
    return emptyTree();
  }
  onChange(_listener: (change: ConfigChange) => void): () => void {
    return () => undefined;
  }
}

/**
 * Where ECR's application tree (endpoint-configuration schemas) comes from: Tekton when
 * `TEKTON_URL` is set, else `APP_CONFIG_FILE`. A malformed file stops the start.
 */
@Global()
@Module({})
export class AppConfigSourceModule implements OnApplicationShutdown {
  constructor(@Inject(AppConfigSource) private readonly source: AppConfigSource) {}

  static forRoot(env: EcrEnv): DynamicModule {
    return {
      module: AppConfigSourceModule,
      providers: [
        {
          provide: AppConfigSource,
          inject: [LOGGER],
          useFactory: async (logger: Logger) => {
            if (env.TEKTON_URL) {
              throw new Error('TEKTON_URL is set but this build has no Tekton client; use APP_CONFIG_FILE');
            }
            if (!env.APP_CONFIG_FILE) {
              logger.warn('neither TEKTON_URL nor APP_CONFIG_FILE is set: no endpoint configuration schemas');
              return new EmptyAppConfigSource();
            }
            const source = new FileAppConfigSource({
              path: env.APP_CONFIG_FILE,
              watch: env.APP_CONFIG_WATCH,
              onError: (error) => logger.error({ err: error.message }, 'app config file reload failed; keeping the previous tree'),
            });
            await source.start();
            logger.info({ file: env.APP_CONFIG_FILE, applications: Object.keys(source.current().applications).length }, 'app config read from file');
            return source;
          },
        },
      ],
      exports: [AppConfigSource],
    };
  }

  async onApplicationShutdown() {
    await this.source.stop();
  }
}
