import { DynamicModule, Global, Module } from '@nestjs/common';
import { OwnershipService } from './ownership.js';
import { TenantScope } from './tenant-scope.js';

@Global()
@Module({})
export class TenancyModule {
  static forRoot(allowedTenants: readonly string[]): DynamicModule {
    return {
      module: TenancyModule,
      providers: [{ provide: TenantScope, useValue: new TenantScope(allowedTenants) }, OwnershipService],
      exports: [TenantScope, OwnershipService],
    };
  }
}
