export { WatchListenerModule } from './watch-listener.module.js';
export { WatchEventConsumer } from './watch-event.consumer.js';
export { WatchEventHandler, type WatchEventContext } from './watch-event.handler.js';
export { WATCH_LISTENER_OPTIONS, type WatchListenerOptions } from './watch-listener.options.js';
export { watchStreamName, WatchListenerConfigError } from './names.js';
export type { WatchEvent } from '@kaa/protocols';
