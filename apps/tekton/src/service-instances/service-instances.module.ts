import { DynamicModule, Module } from '@nestjs/common';
import type { LoadedServiceInstance } from './service-instance.js';
import { ServiceInstanceRegistry } from './service-instance.registry.js';
import { ServiceInstancesController } from './service-instances.controller.js';

@Module({})
export class ServiceInstancesModule {
  static forRoot(instances: Map<string, LoadedServiceInstance>): DynamicModule {
    return {
      module: ServiceInstancesModule,
      global: true,
      controllers: [ServiceInstancesController],
      providers: [{ provide: ServiceInstanceRegistry, useValue: new ServiceInstanceRegistry(instances) }],
      exports: [ServiceInstanceRegistry],
    };
  }
}
