import { channelName } from '@kaa/persistence';

/** The NOTIFY channel on which the triggers of the ECR instance (= schema) announce config changes. */
export const configChangesChannel = (schema: string) => channelName('kaa_config', schema);

/** What a committed statement changed, as far as cached effective configs are concerned. */
export type ConfigChange =
  | { kind: 'all' }
  | { kind: 'versions'; versions: string[] }
  | { kind: 'endpoints'; endpoints: [appVersionName: string, endpointId: string][] };

export const ALL_CHANGED: ConfigChange = { kind: 'all' };

const isStringPair = (value: unknown): value is [string, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string';

/**
 * Reads a trigger's notification (see the NotifyConfigChanges migration). Anything it does not
 * understand counts as "everything changed": dropping too much costs a read, too little a stale answer.
 */
export function parseConfigChange(payload: string | undefined): ConfigChange {
  if (!payload || payload === '*') return ALL_CHANGED;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return ALL_CHANGED;
  }
  const { endpoints, versions } = (parsed ?? {}) as { endpoints?: unknown; versions?: unknown };
  if (Array.isArray(endpoints) && endpoints.every(isStringPair)) return { kind: 'endpoints', endpoints };
  if (Array.isArray(versions) && versions.every((v) => typeof v === 'string')) return { kind: 'versions', versions };
  return ALL_CHANGED;
}
