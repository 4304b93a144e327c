import { DynamicModule, Global, Module } from '@nestjs/common';
import { NatsClient } from './nats-client.service.js';
import { NATS_OPTIONS, type NatsModuleOptions } from './nats.options.js';

@Global()
@Module({})
export class NatsModule {
  static forRoot(options: NatsModuleOptions): DynamicModule {
    return {
      module: NatsModule,
      providers: [{ provide: NATS_OPTIONS, useValue: options }, NatsClient],
      exports: [NatsClient, NATS_OPTIONS],
    };
  }
}
