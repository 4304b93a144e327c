import { DynamicModule, Global, Module } from '@nestjs/common';
import { TenantScope } from './tenant-scope.js';

@Global()
@Module({})
export class TenancyModule {
  static forRoot(allowedTenants: readonly string[]): DynamicModule {
    return {
      module: TenancyModule,
      providers: [{ provide: TenantScope, useValue: new TenantScope(allowedTenants) }],
      exports: [TenantScope],
    };
  }
}
