import { DynamicModule, Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard, createJwtAuthGuard, PlatformTenantOption } from './guards.js';
import { AuthOptions, createJwtStrategy } from './jwt.strategy.js';
import { AccessDeclarations } from './route-table.js';
import { TenantRegistry, type TenantSource } from './tenant-registry.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface AuthModuleOptions {
  tenants: TenantSource;
  /** When non-empty, tokens of other tenants are refused (403). */
  allowedTenants?: readonly string[];
  /**
   * PLATFORM_TENANT: the tenant whose tokens may call installation-wide operations
   * (`Access.platform`). Without it such routes refuse everyone, and the app does not start.
   */
  platformTenant?: string;
  /** Required `aud` for tenants whose entry names none; absent: not checked. */
  audience?: string;
  /** Leeway for `exp`, `nbf` and `iat` (default 30 s). */
  clockSkewSeconds?: number;
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
      imports: [PassportModule, DiscoveryModule],
      providers: [
        {
          provide: TenantRegistry,
          useFactory: async () => {
            const registry = new TenantRegistry(options.tenants);
            await registry.start();
            return registry;
          },
        },
        {
          provide: AuthOptions,
          useValue: Object.assign(new AuthOptions(), {
            allowedTenants: options.allowedTenants ?? [],
            audience: options.audience,
            clockSkewSeconds: options.clockSkewSeconds ?? 30,
          }),
        },
        createJwtStrategy(strategy),
        {
          provide: VerifiedTokenCache,
          inject: [TenantRegistry],
          useFactory: (tenants: TenantRegistry) => {
            const cache = new VerifiedTokenCache();
            // A tenant's audience may have changed: decisions made on the old list are void.
            tenants.onChange(() => cache.clear());
            return cache;
          },
        },
        { provide: APP_GUARD, useClass: createJwtAuthGuard(strategy) },
        { provide: PlatformTenantOption, useValue: new PlatformTenantOption(options.platformTenant) },
        { provide: APP_GUARD, useClass: AccessGuard },
        AccessDeclarations,
      ],
      exports: [TenantRegistry, AuthOptions, VerifiedTokenCache, PlatformTenantOption],
    };
  }

  onApplicationShutdown() {
    this.tenants.stop();
  }
}
