export interface Expiring {
  timestamp: number;
  /** Milliseconds after `timestamp`; 0 or absent never expires. */
  timeout?: number | undefined;
}

/** 3/ISM: a receiver drops a message whose `timestamp + timeout` is in the past; 0 never expires. */
export function isExpired(message: Expiring, nowMs: number = Date.now()): boolean {
  const timeout = message.timeout ?? 0;
  return timeout !== 0 && message.timestamp + timeout < nowMs;
}
