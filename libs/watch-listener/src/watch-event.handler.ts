import type { WatchEvent } from '@kaa/protocols';

export interface WatchEventContext {
  subject: string;
  /** 1 on first delivery; higher after a failed handler or a missed ack. */
  deliveryCount: number;
  streamSequence: number;
}

/**
 * Implement this in the consuming service and pass the class to `WatchListenerModule.forRoot`.
 * Resolve to acknowledge the event; throw to have it redelivered after a delay.
 */
export abstract class WatchEventHandler {
  abstract handle(event: WatchEvent, context: WatchEventContext): Promise<void> | void;
}
