import { isValidToken } from '@kaa/protocols';

/** NATS stream and consumer names: no whitespace, `.`, `*`, `>`, path separators; we keep a safe subset. */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class WatchListenerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchListenerConfigError';
  }
}

/** The JetStream stream a watcher instance writes its watch events to (`KAA_WATCH_<INSTANCE>`). */
export function watchStreamName(watcherInstance: string): string {
  if (!isValidToken(watcherInstance)) throw new WatchListenerConfigError(`watcher instance ${JSON.stringify(watcherInstance)} is not a valid subject token`);
  const name = `KAA_WATCH_${watcherInstance.toUpperCase().replace(/-/g, '_')}`;
  assertName('stream name', name);
  return name;
}

export function assertName(what: string, name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new WatchListenerConfigError(`${what} ${JSON.stringify(name)} must be 1-64 letters, digits, "_" or "-"`);
  }
}
