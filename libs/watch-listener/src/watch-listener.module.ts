import { DynamicModule, Module } from '@nestjs/common';
import { WatchEventConsumer } from './watch-event.consumer.js';
import { WatchEventHandler } from './watch-event.handler.js';
import { WATCH_LISTENER_OPTIONS, type WatchListenerOptions } from './watch-listener.options.js';

/**
 * Typed, durable delivery of one component's watch events (the counterpart of Kyma's listener
 * package). Needs the global NatsModule and ObservabilityModule.
 */
@Module({})
export class WatchListenerModule {
  static forRoot(options: WatchListenerOptions): DynamicModule {
    return {
      module: WatchListenerModule,
      imports: options.imports ?? [],
      providers: [{ provide: WATCH_LISTENER_OPTIONS, useValue: options }, { provide: WatchEventHandler, useClass: options.handler }, WatchEventConsumer],
      exports: [WatchEventConsumer],
    };
  }
}
