import { createHash } from 'node:crypto';
import { isValidToken } from '@kaa/protocols';

/** NATS stream and consumer names: no whitespace, `.`, `*`, `>`, path separators; we keep a safe subset. */
const MAX_NAME_LENGTH = 64;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const STREAM_PREFIX = 'KAA_WATCH_';

export class WatchListenerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchListenerConfigError';
  }
}

/**
 * The JetStream stream a watcher instance writes its watch events to: `KAA_WATCH_<INSTANCE>` when
 * that fits the 64-character limit (and the name is a plain instance name), else a truncated prefix, `_` and the first 8 hex digits of the
 * SHA-256 of the full instance name (deterministic, so every replica and consumer agrees).
 */
export function watchStreamName(watcherInstance: string): string {
  if (!isValidToken(watcherInstance)) throw new WatchListenerConfigError(`watcher instance ${JSON.stringify(watcherInstance)} is not a valid subject token`);
  const upper = watcherInstance.toUpperCase().replace(/-/g, '_');
  const safe = upper.replace(/[^A-Z0-9_]/g, '_');
  let name = `${STREAM_PREFIX}${safe}`;
  // Instance names are lower-case letters, digits and "-"; anything else is hashed too, so that it cannot collide.
  if (name.length > MAX_NAME_LENGTH || safe !== upper) {
    const hash = createHash('sha256').update(watcherInstance).digest('hex').slice(0, 8);
    name = `${name.slice(0, MAX_NAME_LENGTH - hash.length - 1)}_${hash}`;
  }
  assertName('stream name', name);
  return name;
}

export function assertName(what: string, name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new WatchListenerConfigError(`${what} ${JSON.stringify(name)} must be 1-64 letters, digits, "_" or "-"`);
  }
}
