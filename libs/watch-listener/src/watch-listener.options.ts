import type { ModuleMetadata, Type } from '@nestjs/common';
import type { WatchEvent } from '@kaa/protocols';
import type { WatchEventHandler } from './watch-event.handler.js';

export interface WatchListenerOptions {
  /** The watcher's SERVICE_INSTANCE_NAME: stream and subjects derive from it. */
  watcherInstance: string;
  /** The component whose events this service receives (the `{component}` of `/v2/{component}/event`). */
  component: string;
  /** Durable consumer name: replicas sharing it share the work; it survives restarts. */
  durableName: string;
  handler: Type<WatchEventHandler>;
  /** Modules the handler's dependencies come from. */
  imports?: ModuleMetadata['imports'];
  /** Return false to drop an event without handling it (it is acknowledged as terminated, and counted). */
  verify?: (event: WatchEvent) => boolean | Promise<boolean>;
  /** Delay before an event whose handler threw is redelivered. Default 1000 ms. */
  retryDelayMs?: number;
  /** How long the server waits for an ack before redelivering. Default 30 s. */
  ackWaitMs?: number;
  /** Deliveries before the server gives up on an event; -1 (default) never gives up. */
  maxDeliver?: number;
  /** Retry interval while the watcher's stream does not exist yet or NATS is unreachable. Default 2000 ms. */
  bindRetryMs?: number;
}

export const WATCH_LISTENER_OPTIONS = Symbol('kaa:watch-listener-options');
