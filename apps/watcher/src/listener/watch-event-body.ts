import { hash } from 'node:crypto';

/** The listener's limit, as in Kyma's listener. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface ParsedWatchEvent {
  namespace: string;
  name: string;
  group: string;
  version: string;
  kind: string;
}

export class MalformedEventError extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go senders write `Namespace`/`Name` (NamespacedName has no JSON tags); JSON fixtures use lower case. */
function field(obj: Json, lower: string): unknown {
  if (lower in obj) return obj[lower];
  const capitalised = lower[0].toUpperCase() + lower.slice(1);
  return obj[capitalised];
}

function stringField(obj: Json, path: string, name: string, required: boolean): string {
  const value = field(obj, name);
  if (value === undefined || value === null) {
    if (required) throw new MalformedEventError(`${path}.${name} is required`);
    return '';
  }
  if (typeof value !== 'string') throw new MalformedEventError(`${path}.${name} must be a string`);
  if (required && value.length === 0) throw new MalformedEventError(`${path}.${name} must not be empty`);
  if (value.length > 253) throw new MalformedEventError(`${path}.${name} is too long`);
  return value;
}

/** `{"watched": {"namespace", "name"}, "watchedGvk": {"group", "version", "kind"}}`; unknown fields (e.g. `owner`) are ignored. */
export function parseWatchEventBody(text: string): ParsedWatchEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MalformedEventError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) throw new MalformedEventError('body must be a JSON object');
  const watched = field(json, 'watched');
  const gvk = field(json, 'watchedGvk');
  if (!isObject(watched)) throw new MalformedEventError('watched must be an object');
  if (!isObject(gvk)) throw new MalformedEventError('watchedGvk must be an object');
  return {
    namespace: stringField(watched, 'watched', 'namespace', false),
    name: stringField(watched, 'watched', 'name', true),
    group: stringField(gvk, 'watchedGvk', 'group', false),
    version: stringField(gvk, 'watchedGvk', 'version', true),
    kind: stringField(gvk, 'watchedGvk', 'kind', true),
  };
}

/**
 * The JetStream message id: sha256 over (runtime id, component, canonical body). The canonical body
 * is the parsed event in a fixed shape, so a retry that differs only in key spelling, whitespace or
 * ignored fields is the same event. Identical pokes within the duplicate window collapse into one.
 */
export function eventIdOf(runtimeId: string, component: string, event: ParsedWatchEvent): string {
  const canonical = JSON.stringify({
    watched: { namespace: event.namespace, name: event.name },
    watchedGvk: { group: event.group, version: event.version, kind: event.kind },
  });
  return hash('sha256', JSON.stringify([runtimeId, component, canonical]), 'hex');
}
