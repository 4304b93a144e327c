import { Module } from '@nestjs/common';
import { WatchEventPublisher } from '../messaging/watch-event.publisher.js';
import { WatcherMetrics } from '../messaging/watcher-metrics.js';
import { PkiModule } from '../pki/pki.module.js';
import { RuntimesModule } from '../runtimes/runtimes.module.js';
import { WatchersModule } from '../watchers/watchers.module.js';
import { EventRequestHandler } from './event-request.handler.js';
import { ListenerServer } from './listener.server.js';
import { TrustStore } from './trust-store.js';
import { WatchEventService } from './watch-event.service.js';

@Module({
  imports: [PkiModule, RuntimesModule, WatchersModule],
  providers: [WatcherMetrics, WatchEventPublisher, WatchEventService, EventRequestHandler, TrustStore, ListenerServer],
  exports: [ListenerServer, WatcherMetrics],
})
export class ListenerModule {}
