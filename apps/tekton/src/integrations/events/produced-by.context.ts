import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<{ producedBy: string }>();

/**
 * Remembers, for the rest of a request or message, that it was produced by the notifier
 * (`X-Kaa-Produced-By` / `Kaa-Produced-By`), so events recorded inside it never match a rule.
 */
export function runProducedBy<T>(producedBy: string, fn: () => T): T {
  return storage.run({ producedBy }, fn);
}

export function currentProducedBy(): string | undefined {
  return storage.getStore()?.producedBy;
}
