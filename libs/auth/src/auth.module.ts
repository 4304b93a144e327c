import { DynamicModule, Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { createJwtAuthGuard, ScopesGuard } from './guards.js';
import { AuthOptions, createJwtStrategy } from './jwt.strategy.js';
import { TenantRegistry, type TenantSource } from './tenant-registry.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface AuthModuleOptions {
  tenants: TenantSource;
  /** When non-empty, tokens of other tenants are refused (403). */
  allowedTenants?: readonly string[];
}

@Global()
@Module({})
export class AuthModule implements OnApplicationShutdown {
  constructor(private readonly tenants: TenantRegistry) {}

  private static instances = 0;

  static forRoot(options: AuthModuleOptions): DynamicModule {
    // passport's strategy registry is process-wide: each app gets a strategy of its own.
    const strategy = `kaa-jwt-${++AuthModule.instances}`;
    return {
      module: AuthModule,
      imports: [PassportModule],
      providers: [
        {
          provide: TenantRegistry,
          useFactory: async () => {
            const registry = new TenantRegistry(options.tenants);
            await registry.start();
            return registry;
          },
        },
        { provide: AuthOptions, useValue: Object.assign(new AuthOptions(), { allowedTenants: options.allowedTenants ?? [] }) },
        createJwtStrategy(strategy),
        { provide: VerifiedTokenCache, useFactory: () => new VerifiedTokenCache() },
        { provide: APP_GUARD, useClass: createJwtAuthGuard(strategy) },
        { provide: APP_GUARD, useClass: ScopesGuard },
      ],
      exports: [TenantRegistry, AuthOptions, VerifiedTokenCache],
    };
  }

  onApplicationShutdown() {
    this.tenants.stop();
  }
}
