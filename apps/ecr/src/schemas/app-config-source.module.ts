import { DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigSource, FileAppConfigSource, TektonClientModule, emptyTree, type ConfigChange, type ServiceConfigTree } from '@kaa/tekton-client';
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
 * Where ECR's application tree (endpoint-configuration schemas) and the owners of applications
 * and versions come from: Tekton (REST, refreshed on 17/SCMP notices and NATS reconnects) when
 * `TEKTON_URL` is set, else `APP_CONFIG_FILE` (`kaa.applications.{app}.tenantId`). An unreachable Tekton or a malformed file stops the start.
 */
export function appConfigSourceModule(env: EcrEnv): DynamicModule {
  if (env.TEKTON_URL && env.TOKEN_URL && env.CLIENT_ID && env.CLIENT_SECRET) {
    return TektonClientModule.forRoot({
      tektonUrl: env.TEKTON_URL,
      instanceName: env.SERVICE_INSTANCE_NAME,
      tektonInstance: env.TEKTON_INSTANCE_NAME,
      tokenUrl: env.TOKEN_URL,
      clientId: env.CLIENT_ID,
      clientSecret: env.CLIENT_SECRET,
      scope: env.TEKTON_TOKEN_SCOPE,
      startTimeoutMs: env.TEKTON_START_TIMEOUT_MS,
      // Who owns each app version: ECR serves every tenant and must know whose rows to use.
      readOwners: true,
    });
  }
  return AppConfigSourceModule.forRoot(env);
}

/** The local alternative to Tekton: `APP_CONFIG_FILE`, or an empty tree. */
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
