import { DynamicModule, Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { JwtAuthGuard, ScopesGuard } from './guards.js';
import { AuthOptions, JwtStrategy } from './jwt.strategy.js';
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

  static forRoot(options: AuthModuleOptions): DynamicModule {
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
        JwtStrategy,
        { provide: VerifiedTokenCache, useFactory: () => new VerifiedTokenCache() },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: ScopesGuard },
      ],
      exports: [TenantRegistry, AuthOptions, VerifiedTokenCache],
    };
  }

  onApplicationShutdown() {
    this.tenants.stop();
  }
}
