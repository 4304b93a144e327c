import { DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClientCredentialsTokenSource } from '@kaa/auth';
import { NatsClient } from '@kaa/nats';
import { LOGGER, type Logger } from '@kaa/observability';
import { AppConfigSource } from './app-config-source.js';
import { TektonConfigClient } from './tekton-config-client.js';

export interface TektonClientModuleOptions {
  /** Tekton's base URL without `/api/v1` (env `TEKTON_URL`). */
  tektonUrl: string;
  /** This service's own instance name (usually `SERVICE_INSTANCE_NAME`). */
  instanceName: string;
  /** Tekton instance whose broadcasts to follow; default any. */
  tektonInstance?: string;
  /** OAuth 2.0 client-credentials grant (env `TOKEN_URL`, `CLIENT_ID`, `CLIENT_SECRET`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** See {@link TektonConfigClientOptions.startTimeoutMs}. */
  startTimeoutMs?: number;
  /** See {@link TektonConfigClientOptions.readOwners}. */
  readOwners?: boolean;
  /** Start on application bootstrap (default true); a start failure then fails the boot. */
  autoStart?: boolean;
}

@Injectable()
class TektonClientLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly source: AppConfigSource,
    @Inject('kaa:tekton-client-autostart') private readonly autoStart: boolean,
  ) {}

  async onApplicationBootstrap() {
    if (this.autoStart) await this.source.start();
  }

  async onApplicationShutdown() {
    await this.source.stop();
  }
}

/**
 * Provides `AppConfigSource` backed by Tekton (global), authenticated with a cached
 * client-credentials token. Needs the NatsModule and ObservabilityModule of the app.
 */
@Module({})
export class TektonClientModule {
  static forRoot(options: TektonClientModuleOptions): DynamicModule {
    return {
      module: TektonClientModule,
      global: true,
      providers: [
        { provide: 'kaa:tekton-client-autostart', useValue: options.autoStart ?? true },
        {
          provide: AppConfigSource,
          inject: [NatsClient, LOGGER],
          useFactory: (nats: NatsClient, logger: Logger) => {
            const tokens = new ClientCredentialsTokenSource({ tokenUrl: options.tokenUrl, clientId: options.clientId, clientSecret: options.clientSecret, scope: options.scope });
            return new TektonConfigClient({
              tektonUrl: options.tektonUrl,
              instanceName: options.instanceName,
              tektonInstance: options.tektonInstance,
              token: () => tokens.token(),
              onUnauthorized: () => tokens.invalidate(),
              nats,
              logger: logger.child({ component: 'tekton-client' }),
              startTimeoutMs: options.startTimeoutMs,
              readOwners: options.readOwners,
            });
          },
        },
        TektonClientLifecycle,
      ],
      exports: [AppConfigSource],
    };
  }
}
